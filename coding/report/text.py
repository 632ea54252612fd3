"""The fixed wording of reports, in Chinese (default) and English."""

from __future__ import annotations

from typing import Any

import numpy as np

TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "{cluster}：产业集群合作行动案例报告",
        "made": "由 clusterqda 生成 · 编码本版本 {version} · 编码者：{coders}",
        "sections": [
            "一、概况",
            "二、合作行动",
            "三、行动目标",
            "四、时间线",
            "五、条件与评价",
            "六、引文",
            "七、观念与态度",
            "八、与其他集群比较",
            "九、方法附录",
        ],
        "roles": "受访者的行动者身份",
        "actions_note": "各类合作行动与具体举措被提及的发言单元数（按发言者身份分列）。",
        "matrix": "行动者 × 合作行动类型",
        "matrix_note": "同一发言中同时出现的行动者代码与合作行动类型代码的单元数。",
        "modes": "惯例型与突变型",
        "timeline_note": "发言中提到的年份（如“2003年”“零三年”“九十年代”，“去年”按访谈日期推算）"
        "及其中的合作行动；悬停可见引文。",
        "attitudes_note": "问卷构念得分（各题均值，反向题已转换）按行动者身份分列；信度为本集群"
        "受访者的 Cronbach's α（完整个案）。",
        "types": "观念类型",
        "methods_note": "编码本版本 {version}；编码单元为一段发言（或一个开放题回答）。每个单元采用"
        "最可信的编码者的编码：先“consensus”（裁定后的共识编码），其次人工编码者，"
        "最后规则编码器。编码者一致性为 Krippendorff's α（各维度合并计算）。",
        "cite": "—— {role}，{doc} 第 {turn} 段",
        "no_data": "（无数据）",
        "year": "{year}年",
        "index": "产业集群合作行动案例报告",
    },
    "en": {
        "title": "{cluster}: a case study of collective action in an industrial cluster",
        "made": "Made by clusterqda · codebook version {version} · coders: {coders}",
        "sections": [
            "1. Overview",
            "2. Collective actions",
            "3. Goals",
            "4. Timeline",
            "5. Conditions and judgements",
            "6. Quotations",
            "7. Attitudes and beliefs",
            "8. Comparison with the other clusters",
            "9. Methods appendix",
        ],
        "roles": "Interviewees by actor role",
        "actions_note": "Turns mentioning each type of collective action and measure, by the "
        "speaker's actor role.",
        "matrix": "Actor × type of collective action",
        "matrix_note": "Turns in which an actor code and a type of collective action occur "
        "together.",
        "modes": "Routine and abrupt actions",
        "timeline_note": "Years mentioned in the turns (2003年, 零三年, 九十年代; 去年 resolved "
        "against the interview date) with the actions there; hover for the quotation.",
        "attitudes_note": "Construct scores from the survey (item means, reverse items turned) by "
        "actor role; reliability is Cronbach's alpha among this cluster's "
        "respondents (complete cases).",
        "types": "Belief types",
        "methods_note": "Codebook version {version}; the unit is one turn (or one open answer). "
        "Each unit uses the most trusted coder that looked at it: consensus, then "
        "human coders, then the rules. Agreement is Krippendorff's alpha, pooled "
        "per dimension.",
        "cite": "— {role}, {doc}, turn {turn}",
        "no_data": "(no data)",
        "year": "{year}",
        "index": "Case studies of collective action in industrial clusters",
    },
}
LANGUAGES = tuple(TEXT)


def fmt(value: object) -> str:
    """Format a table cell: rounded numbers, empty for missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        return f"{value:.2f}" if not float(value).is_integer() else f"{int(value)}"
    return str(value)
