"""A report as GET /api/reports returns it (docs/reports.md), for the chart and editor-console tests."""

from typing import Any

from chalicelib.desk.charts import presented
from chalicelib.desk.models.reports import Report


def week_report(**changes: Any) -> dict[str, Any]:
    """The week of 2026-11-23 with a heating surge on its last day; keyword arguments replace fields."""
    days = [("2026-11-23", 120, 101), ("2026-11-24", 98, 80), ("2026-11-25", 131, 112), ("2026-11-26", 87, 70),
            ("2026-11-27", 142, 121), ("2026-11-28", 64, 50), ("2026-11-29", 233, 201)]  # fmt: skip
    report: dict[str, Any] = {
        "period": "week",
        "start": "2026-11-23",
        "end": "2026-11-29",
        "searches": 875,
        "answered": 735,
        "answered_rate": 0.84,
        "abstained": 140,
        "clicks": 612,
        "top_questions": [
            {
                "question": "暖气不热怎么办",
                "count": 96,
                "variants": 14,
                "article_id": "heating-radiator-not-warm",
                "title": "暖气不热怎么办",
            },
            {
                "question": "医保卡丢了怎么补办",
                "count": 41,
                "variants": 6,
                "article_id": "medical-card-reissue",
                "title": "医保卡丢失如何补办",
            },
            {"question": "装修噪音投诉", "count": 17, "variants": 5, "article_id": None, "title": None},
        ],  # fmt: skip
        "gaps": [
            {"question": "装修噪音投诉", "count": 21, "searches": 17, "unhelpful": 4, "example": "楼上装修太吵了找谁"},
            {"question": "电动车充电桩申请", "count": 9, "searches": 9, "unhelpful": 0, "example": "小区能装充电桩吗"},
        ],
        "articles": [
            {
                "id": "heating-radiator-not-warm",
                "title": "暖气不热怎么办",
                "department": "热力公司",
                "views": 188,
                "helpful": 51,
                "unhelpful": 6,
                "flags": 1,
                "overdue": False,
            },
            {
                "id": "medical-card-reissue",
                "title": "医保卡丢失如何补办",
                "department": "医疗保障局",
                "views": 57,
                "helpful": 12,
                "unhelpful": 3,
                "flags": 0,
                "overdue": True,
            },
        ],  # fmt: skip
        "by_category": [
            {"category": "heating", "name": "供热", "searches": 402, "answered": 371},
            {"category": "social-security", "name": "社保医保", "searches": 188, "answered": 160},
            {"category": "housing", "name": "住房物业", "searches": 121, "answered": 77},
        ],
        "by_day": [{"date": d, "searches": s, "answered": a} for d, s, a in days],
        "by_hour": [{"hour": h, "searches": 0} for h in range(24)],
        "surges": [],
        "previous": {
            "start": "2026-11-16",
            "end": "2026-11-22",
            "searches": 700,
            "answered_rate": 0.8,
            "abstained": 150,
            "clicks": 612,
            "change": {"searches": 0.25, "answered_rate": 0.04, "abstained": -0.0667, "clicks": 0.0},
        },
    }
    return report | changes


def heating_surge() -> dict[str, Any]:
    return {
        "date": "2026-11-29",
        "category": "heating",
        "name": "供热",
        "searches": 168,
        "baseline": 40.0,
        "ratio": 4.2,
        "top_questions": ["暖气不热", "暖气片不热", "供暖费怎么交"],
    }


def as_served(report: dict[str, Any]) -> dict[str, Any]:
    """The report with its summary and charts drawn, as GET /api/reports/drawn sends it."""
    return presented(Report.model_validate(report)).model_dump(mode="json")
