"""A complete, valid household (every form) for tests, written by hand from domain.md."""

from __future__ import annotations

import copy
from typing import Any

WORKER_ID = "530102198001010015"  # male, born 1980-01-01, 五华区
SPOUSE_ID = "53040219751231002X"  # female, born 1975-12-31

_HOUSEHOLD: dict[str, dict[str, Any]] = {
    "A": {
        "archive_no": "YN-530102-2020-000001",
        "category": "深度困难",
        "name": "张建国",
        "gender": "男",
        "ethnicity": "汉族",
        "political": "群众",
        "id_number": WORKER_ID,
        "birth_date": "1980-01-01",
        "health": "良好",
        "work_status": "下(待)岗",
        "monthly_income": 200000,
        "marital_status": "已婚",
        "phone": "13800138000",
        "medical_insurance": "职工医保",
        "serious_illness_insurance": "是",
        "pension_insurance": "未参保",
        "housing_type": "租房",
        "housing_safe": "安全",
        "address": "昆明市五华区红云街道某社区 3 栋 2 单元 401 室",
        "residence_region": "530102",
        "main_cause": "下岗失业",
        "created_by": "李干事",
        "members": [
            {
                "name": "王秀英",
                "relation": "配偶",
                "id_number": SPOUSE_ID,
                "gender": "女",
                "birth_date": "1975-12-31",
                "health": "尿毒症/终末期肾病",
                "identity": "失(无)业",
                "medical_insurance": "城乡居民医保",
                "cohabiting": "是",
            },
            {
                "name": "张小明",
                "relation": "子女",
                "gender": "男",
                "birth_date": "2013-05-20",
                "health": "良好",
                "identity": "初中",
                "medical_insurance": "城乡居民医保",
                "cohabiting": "是",
            },
        ],
    },
    "B": {
        "survey_date": "2026-10-15",
        "surveyor": "李干事",
        "incomes": [
            {"kind": "工资性收入", "item": "临时工", "annual_amount": 2400000},
            {"kind": "转移性收入", "item": "工会救助金", "annual_amount": 300000},
        ],
        "expenses": [{"kind": "自付医疗费", "item": "透析", "annual_amount": 900000}],
    },
    "C": {
        "policies": [
            {
                "date": "2026-03-01",
                "category": "子女助学",
                "policy_name": "初中寄宿生生活补助",
                "department": "教育",
                "amount": 125000,
                "implemented": "是",
            }
        ]
    },
    "D": {
        "helper_name": "李干事",
        "helper_phone": "13900139000",
        "visits": [{"date": "2026-10-15", "method": "入户走访", "problems_found": "医疗负担重"}],
    },
    "E": {
        "problems": [
            {
                "category": "医疗",
                "description": "配偶透析费用负担重",
                "suggestion": "申请医疗救助",
                "measure": "协调民政医疗救助",
                "status": "已解决",
                "solved_date": "2026-10-20",
            }
        ]
    },
}


def complete_household() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_HOUSEHOLD)
