"""The survey as data: the forms/ YAML turned into objects, expressions and validation.

Owns: ``model`` (Survey/Form/Field), ``loader`` (read and check forms/), ``expr`` (the expression
language, no eval), ``calculation`` (functions and order of calculated fields), ``fieldtypes``
(coercion per type), ``engine`` (a household's problems, one place for GUI, CLI and import).
May import: ``values``, ``paths``. Inside: engine | loader > calculation | fieldtypes > expr | model.
"""
