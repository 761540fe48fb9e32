"""The procedures in the GUI (issue 14): the 待办 view, one step's decision, a household's cases.

``todo_view`` lists the cases waiting for this identity's role and shows the chosen one
(``case_detail``: household, 脱困/解困 rules, evidence, steps so far); ``step_dialog`` records one
decision (通过 / 退回 / 不予通过, with 公示 dates or the reason for approving against the rules) or
opens an exit case with its 入户核查; ``case_strip`` shows in the household editor where its
cases stand. ``session`` unlocks the signing key once. Every rule and every refusal is the core's
(``fieldapp.core.procedures``); these modules only ask, show and report in Chinese.
"""
