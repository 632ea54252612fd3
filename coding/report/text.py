"""The fixed wording of reports, in Chinese (default) and English, and how cells are shown."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

GATE_RULE_ZH = (
    "可靠性按 Krippendorff 的惯例判定：计入本报告的每位编码者（规则、模型或人工）都与人工编码比对，"
    "按维度计算 Krippendorff's α；一个维度取其中最低的 α。α ≥ 0.667 为“可靠”；0.5 ≤ α < 0.667 "
    "或尚未测量为“待定”，其计数旁标出 α；α < 0.5 为“不可靠”，不列入结果"
    "（运行 report 时加 --include-unreliable 可列入并标明）。"
)
GATE_RULE_EN = (
    "Reliability follows Krippendorff's convention: every coder whose codes this report counts "
    "(rules, model or person) is compared with people's coding, per dimension, with "
    "Krippendorff's alpha; a dimension takes the lowest alpha among them. alpha >= 0.667 is "
    "reliable; 0.5 <= alpha < 0.667, or unmeasured, is tentative and its alpha is shown beside "
    "every count; alpha < 0.5 is unreliable and left out of the findings (report "
    "--include-unreliable shows it, marked)."
)

TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "{cluster}：产业集群合作行动案例报告",
        "made": "由 clusterqda 生成 · 编码本版本 {version} · 编码者：{coders}",
        "sections": {
            "episodes": "合作行动的演变",
            "overview": "一、概况",
            "actions": "二、合作行动",
            "goals": "三、行动目标",
            "timeline": "四、时间线",
            "conditions": "五、条件与评价",
            "quotes": "六、引文",
            "attitudes": "七、观念与态度",
            "methods": "八、方法附录",
        },
        "scope": "本报告的所有数字只来自{cluster}本集群：{i} 份访谈中受访者的 {t} 个发言单元；",
        "scope_survey": "以及 {r} 名问卷受访者的量表得分与 {a} 条开放题回答。访谈发言与开放题回答"
        "分开计数，从不相加；与其他集群的比较见比较报告（index）。",
        "roles": "受访者的行动者身份",
        "coders": "编码来源",
        "coders_note": "每个单元只计一位编码者的编码，按可信度优先：共"
        "识（consensus，裁定后）> 人工编码者"
        " > 混合/模型 > 规则。下表为本集群各编码者被采用的单元数（rank 越小越可信）。",
        "gates": "编码可靠性",
        "gates_note": GATE_RULE_ZH,
        "excluded": "以下维度在本集群不可靠（α < 0.5），其编码未列入结果：{dims}。",
        "dimension_out": "维度 {dim} 在本集群不可靠（α < 0.5），未列入结果。",
        "actions_note": "各类合作行动与具体举措被提及的单元数："
        "访谈发言与开放题回答分列；按发言者身份"
        "分列的列只计访谈发言。α 与可靠性为该代码所属维度的判定。",
        "chart_actions": "合作行动与具体举措（访谈发言单元数）",
        "matrix": "行动者 × 合作行动类型",
        "matrix_note": "同一访谈发言中同时出现的行动者代码与合作行动类型代码的单元数。",
        "modes": "惯例型与突变型",
        "chart_goals": "行动目标（访谈发言单元数）",
        "timeline_note": "受访者把合作行动放在哪一年：每行是一"
        "个发言单元与其中一个年份，列出该单元的"
        "全部代码。时长（“七八年”）、年龄和否定或假设句中的年份不计。",
        "chart_years": "各年份被提及的合作行动（发言单元数）",
        "turns_unit": "单元",
        "stance_note": "条件与评价：各代码的单元数及其立场（正面、负面、中性、混合，按单元计）。",
        "quotes_note": "每个代码最多三段引文，来自不同受访者；同一发言在报告中只引用一次。"
        "标记部分为编码依据。",
        "attitudes_note": "{cluster}问卷受访者的构念得分（各"
        "题均值，反向题已转换），按行动者身份分列；"
        "信度为本集群受访者的 Cronbach's α（完整个案）。",
        "tests": "差异检验",
        "tests_note": "本集群内按行动者身份比较：量表得分用 Krusk"
        "al–Wallis 检验（效应量 ε²），代码出现"
        "与否用 χ² 检验（Cramér's V），期望频数不足时 2×2 表用 Fisher 精确检验，其他表不检验。"
        "访谈发言、开放题回答与量表分别检验，从不合并。p 值按 Holm 法在本报告的全部检验中校正。",
        "no_difference": "经校正后，没有发现显著差异。",
        "untested": "另有 {n} 项比较未检验（各组人数或期望频数不足，或没有变化）；"
        "每一项及其原因见 Excel 报告的 findings 表。",
        "types": "观念类型",
        "types_none": "受访者太少，无法划分观念类型。",
        "types_verdict": "k-means 聚类的轮廓系数为 {s:.2f}：{verdict}",
        "methods_note": "编码本版本 {version}；编码单元为一段发言（或一个开放题回答）。每个单元采用"
        "最可信的编码者的编码（见“编码来源”）。一致性为 Krippendorff's α，按维度合并该维度"
        "各代码的“有/无”判断，95% 区间由按单元重抽样的 bootstrap 得出。",
        "double_coded": "本集群双重编码的一致性",
        "no_double": "{cluster}没有任何单元由两位编码者编码，因此本集群没有测得的编码一致性。",
        "double_note": "{cluster}由两位编码者都编码过的单元（括号内为单元数）：{who}。",
        "coder_agreement": "计入本报告的编码者与人工编码的一致性",
        "coder_agreement_note": "各维度判定所依据的数字：本集群的双重编码单元（至少 20 个时），"
        "否则为机器编码器（规则或默认混合编码器）在未用于调校的留出金标准上的验证，否则为全项目的双重编码单元。",
        "validation": "机器编码器在留出金标准上的验证",
        "validation_note": "机器编码器（规则，或规则加模型的默认编码器）与人工金标准在调校和训练时"
        "从未使用过的单元上的一致性"
        "（Krippendorff's α，按维度；单元数为金标准的发言数）。",
        "no_validation": "本编码本没有记录规则在留出金标准上的验证"
        "（运行 clusterqda evaluate 金标准.csv --validation codebooks/validation.csv）。",
        "codebook": "编码本",
        "cite": "—— {role}，{doc} 第 {turn} 段",
        "no_data": "（无数据）",
        "index": "产业集群合作行动案例：集群比较",
    },
    "en": {
        "title": "{cluster}: a case study of collective action in an industrial cluster",
        "made": "Made by clusterqda · codebook version {version} · coders: {coders}",
        "sections": {
            "episodes": "Evolution of collective action",
            "overview": "1. Overview",
            "actions": "2. Collective actions",
            "goals": "3. Goals",
            "timeline": "4. Timeline",
            "conditions": "5. Conditions and judgements",
            "quotes": "6. Quotations",
            "attitudes": "7. Attitudes and beliefs",
            "methods": "8. Methods appendix",
        },
        "scope": "Every figure in this report comes from {cluster} alone: {t} interviewee turns "
        "of {i} interviews; ",
        "scope_survey": "and the scale scores of {r} survey res"
        "pondents with their {a} open answers. "
        "Interview turns and open answers are counted separately, never summed; comparisons with "
        "other clusters are in the comparison report (index).",
        "roles": "Interviewees by actor role",
        "coders": "Who coded",
        "coders_note": "Each unit counts the codes of one coder, the most trusted who coded it: "
        "consensus (adjudicated) > people > hybrid/model > rules. Units per coder in this "
        "cluster (lower rank = more trusted).",
        "gates": "Reliability of the codes",
        "gates_note": GATE_RULE_EN,
        "excluded": "These dimensions are unreliable in this cluster (alpha < 0.5) and left out "
        "of the findings: {dims}.",
        "dimension_out": "Dimension {dim} is unreliable in thi"
        "s cluster (alpha < 0.5) and left out.",
        "actions_note": "Units mentioning each type of collective action and measure, interview "
        "turns and open answers apart; the columns by the speaker's role count interview turns. "
        "alpha and status are those of the code's dimension.",
        "chart_actions": "Collective actions and measures (interview turns)",
        "matrix": "Actor × type of collective action",
        "matrix_note": "Interview turns in which an actor code and a type of collective action "
        "occur together.",
        "modes": "Routine and abrupt actions",
        "chart_goals": "Goals (interview turns)",
        "timeline_note": "The years interviewees place collective action in: one row per turn and "
        "year, with all the turn's codes. Durations (七八年), ages and years in denied or "
        "hypothetical clauses are not counted.",
        "chart_years": "Collective action by year mentioned (turns)",
        "turns_unit": "turns",
        "stance_note": "Conditions and judgements: units per code and their stance (positive, "
        "negative, neutral, mixed, per unit).",
        "quotes_note": "Up to three quotations per code, from different interviewees; a turn is "
        "quoted once in the report. The marked words are the coded evidence.",
        "attitudes_note": "Construct scores of {cluster}'s survey respondents (item means, "
        "reverse items turned) by actor role; reliability is Cronbach's alpha among this "
        "cluster's respondents (complete cases).",
        "tests": "Tests of difference",
        "tests_note": "Within this cluster, by actor role: scale scores with Kruskal–Wallis "
        "(effect size epsilon²), presence of a code with the chi-square test (Cramér's V); where "
        "expected counts are too small, Fisher's exact test for 2×2 tables, otherwise not tested. "
        "Interview turns, open answers and scales are tested apart, never pooled. p is adjusted "
        "with Holm's method over all the tests of this report.",
        "no_difference": "After adjustment, no difference was found.",
        "untested": "{n} further comparisons were not tested (groups or expected counts too "
        "small, or no variation); each, with its reason, is in the findings sheet of the Excel "
        "report.",
        "types": "Belief types",
        "types_none": "Too few respondents to look for belief types.",
        "types_verdict": "Silhouette of the k-means grouping: {s:.2f}: {verdict}",
        "methods_note": "Codebook version {version}; the unit is one turn (or one open answer). "
        "Each unit uses the most trusted coder that coded it (see Who coded). Agreement is "
        "Krippendorff's alpha over the present/absent judgements of a dimension's codes, with a "
        "95% bootstrap interval resampling units.",
        "double_coded": "Agreement on this cluster's double-coded units",
        "no_double": "No unit of {cluster} was coded by two coders, so no agreement was measured "
        "in this cluster.",
        "double_note": "Units of {cluster} coded by two coders (units in brackets): {who}.",
        "coder_agreement": "Agreement of the coders counted here with people",
        "coder_agreement_note": "The figures behind each dimension's status: this cluster's "
        "double-coded units (when at least 20), else the machine coder's validation on held-out "
        "gold it was not tuned on, else the project's double-coded units.",
        "validation": "The machine coder on held-out gold",
        "validation_note": "Agreement of the machine coder (the rules, or the default rules plus "
        "model) with people's gold coding on units never used to tune or train it "
        "(Krippendorff's alpha per dimension; units are gold turns).",
        "no_validation": "No held-out validation of the rules is recorded for this codebook "
        "(run clusterqda evaluate GOLD.csv --validation codebooks/validation.csv).",
        "codebook": "Codebook",
        "cite": "— {role}, {doc}, turn {turn}",
        "no_data": "(no data)",
        "index": "Case studies of collective action: the clusters compared",
    },
}
LANGUAGES = tuple(TEXT)

HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "metric": "指标",
        "value": "数值",
        "actor": "行动者",
        "label": "名称",
        "n": "人数",
        "coder": "编码者",
        "kind": "类型",
        "rank": "优先级",
        "interview_turns": "访谈发言",
        "open_answers": "开放题回答",
        "dimension": "维度",
        "alpha": "α",
        "alpha_95ci": "α [95% 区间]",
        "basis": "依据",
        "n_units": "单元数",
        "status": "可靠性",
        "code_id": "代码",
        "level": "层面",
        "year": "年份",
        "unit_id": "单元",
        "doc_id": "文档",
        "role": "身份",
        "codes": "代码",
        "quote": "引文",
        "positive": "正面",
        "negative": "负面",
        "neutral": "中性",
        "mixed": "混合",
        "first": "编码者一",
        "second": "编码者二",
        "reference": "对照",
        "gold": "金标准",
        "n_judgements": "判断数",
        "note": "说明",
        "definition": "定义",
        "label_en": "英文名称",
        "scope": "范围",
        "source": "来源",
        "test": "检验",
        "statistic": "统计量",
        "df": "自由度",
        "effect_size": "效应量",
        "effect_measure": "效应量指标",
        "p_adjusted": "校正后 p",
        "finding": "结论",
        "cluster": "集群",
        "interviews": "访谈",
        "episode_id": "事件",
        "name": "名称",
        "years": "年份",
        "ca_type": "类型",
        "mode": "方式",
        "forms": "举措",
        "initiators": "发起者",
        "participants": "参与者",
        "n_interviewees": "受访者数",
        "roles": "讲述者身份",
        "review": "审核",
        "interviewee_turns": "受访者发言",
        "respondents": "问卷受访者",
        "coders (turns/answers)": "编码者（发言/回答）",
        "belief_type": "类型",
        "description": "描述",
        "silhouette": "轮廓系数",
        "verdict": "判定",
    },
    "en": {},
}


def header(column: str, lang: str) -> str:
    """Return a column's heading in the report's language (data columns keep their names)."""
    return HEADERS.get(lang, {}).get(column, column)


def fmt(value: object) -> str:
    """Format a table cell: rounded numbers, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{int(value)}" if value.is_integer() else f"{value:.2f}"
    return str(value)


def fmt_p(p: float) -> str:
    """Format a p-value to three decimals, '< .001' below that; empty when not tested."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "< .001" if p < 0.001 else f"{p:.3f}"


def fmt_alpha(alpha: float, low: float, high: float) -> str:
    """Format alpha with its interval: '0.72 [0.61, 0.81]'; empty when unmeasured."""
    if alpha is None or math.isnan(alpha):
        return ""
    if low is None or math.isnan(low) or high is None or math.isnan(high):
        return f"{alpha:.2f}"
    return f"{alpha:.2f} [{low:.2f}, {high:.2f}]"
