"""Generate the sample questionnaire data (fictional), reproducibly from a seed.

Writes survey.csv (UTF-8 with BOM, as Excel saves it) and survey_broken.csv (the
same data with deliberate errors, for the error tests). 240 respondents in the
three sample clusters answer 20 Likert items on five constructs (see
schema.yaml), some as numbers, some as labels, some left blank, plus one open
question answered in everyday written Chinese.

Built-in group differences, which the analysis must find:
- 协会工作人员 rate the association's role (assoc) about 1.2 points higher than
  everyone else; 政府官员 rate government leadership (gov) about 1 point higher;
- 花农 and 中小企业 perceive more free-riding (freeride, +0.8);
- trust is higher in 陈村花卉 than in 古镇灯饰 (+0.7);
- willingness to cooperate rises with trust.

Run from the repository root: python corpora/survey/make_survey.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20231107
N = 240
CLUSTERS = ["陈村花卉", "古镇灯饰", "大沥铝型材"]
ROLES = ["政府官员", "协会工作人员", "龙头企业", "中小企业", "花农", "服务机构"]
ROLE_WEIGHTS = [0.10, 0.12, 0.15, 0.35, 0.18, 0.10]
LABELS = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}
CONSTRUCTS = {"T": "trust", "S": "assoc", "G": "gov", "W": "willing", "F": "freeride"}
REVERSE = {"T4", "S3", "G4", "W2", "F4"}
ANSWERS = {
    "trust_high": ["同行之间还是讲信用的，借个设备、转个单都没问题。",
                   "大家都是老乡，有事互相帮一把，这个靠得住。",
                   "做了二十多年了，隔壁几家有急单都会匀给我们做",
                   "信得过，钱晚几天给也没关系，熟人嘛。",
                   "跟上下游合作都比较顺，说好的事基本都做到。",
                   "我们几个厂经常一起拼车送货，省点运费。"],
    "trust_low": ["说实话，同行之间不信任，怕被人抄了款式。",
                  "合作可以，但是要先签合同，口头讲的靠不住。",
                  "新款一出来，第二天市场上就有仿的，还谈什么合作",
                  "欠款太多了，现在都要现金，不敢赊。",
                  "人心隔肚皮，各做各的最省事。",
                  "以前被同行挖过师傅，现在不太敢跟人交底。"],
    "assoc_high": ["协会组织我们去参展，效果不错，希望多搞几次。",
                   "商会帮我们跟银行谈贷款，这个确实有帮助。",
                   "协会请专家来讲过出口认证，很实用。",
                   "有纠纷找协会调解，比打官司快多了",
                   "每个月协会发行情信息，我们都看的。",
                   "会长很负责，上次原料涨价是他出面去谈的。"],
    "assoc_low": ["协会就是几个大老板的，开会讲的跟我们没什么关系。",
                  "交了会费也不知道协会做了什么，没什么用。",
                  "协会？没去过，不清楚。",
                  "开会就是吃饭拍照，解决不了实际问题",
                  "协会说话没人听，管不住压价的。",
                  "小厂在协会里没有发言权。"],
    "gov_high": ["如果政府牵头搞个检测平台就好了，我们小厂自己买不起设备。",
                 "还是要政府出面，把大家组织起来，不然没人牵头。",
                 "镇里的技改补贴帮了大忙，设备换了一批。",
                 "希望政府多搞培训，招工太难了。",
                 "园区建好以后，环保手续方便了很多",
                 "政府帮我们申请了地理标志，牌子响了。"],
    "gov_low": ["政府管得太多了，很多活动都是做给领导看的。",
                "补贴是好事，但是手续太麻烦，一刀切也不合理。",
                "政策年年变，不知道该听哪个。",
                "检查太多，一个月来好几拨人，影响生产",
                "说是扶持中小企业，钱都给了大企业。",
                "政府规划的园区太远，租金又贵，不想搬。"],
    "freeride": ["有的人不交会费，活动照样来，谁愿意出钱？",
                 "价格自律签了没几个月，就有人偷偷压价。",
                 "出钱打官司的是我们几家，赢了大家都沾光。",
                 "公共品牌做起来了，有人贴牌卖次品，砸的是大家的牌子。",
                 "培训的钱我们出，人培训好了被别家挖走",
                 "展会摊位费大家分摊，总有人拖着不给。"],
    "neutral": ["暂时没有什么意见。", "希望行业越来越好吧。", "生意难做，走一步看一步。",
                "无", "没想好", "不太了解，说不上来。", "还行吧。"],
}


def main() -> None:
    """Write survey.csv and survey_broken.csv."""
    rng = np.random.default_rng(SEED)
    # a stream of its own for the wording of open answers, so the scale answers do not
    # change when phrasings are added
    wording = np.random.default_rng(SEED + 1)
    rows = []
    for n in range(1, N + 1):
        cluster = CLUSTERS[rng.integers(0, 3)]
        role = rng.choice(ROLES, p=ROLE_WEIGHTS)
        mean = {"trust": 3.1, "assoc": 3.0, "gov": 3.2, "willing": 3.2, "freeride": 3.0}
        mean["trust"] += {"陈村花卉": 0.4, "古镇灯饰": -0.3, "大沥铝型材": 0.0}[cluster]
        mean["assoc"] += 1.2 if role == "协会工作人员" else 0.0
        mean["gov"] += 1.0 if role == "政府官员" else 0.0
        mean["freeride"] += 0.8 if role in ("花农", "中小企业") else 0.0
        latent = {k: v + rng.normal(0, 0.6) for k, v in mean.items()}
        latent["willing"] += 0.5 * (latent["trust"] - 3.1)
        row = {"编号": f"R{n:03d}", "所在集群": cluster, "身份": role,
               "企业规模": rng.choice(["小型", "中型", "大型"], p=[0.6, 0.3, 0.1]),
               "所有制": rng.choice(["民营", "国有", "外资"], p=[0.8, 0.1, 0.1]),
               "从业年限": str(int(rng.integers(1, 31)))}
        for prefix, construct in CONSTRUCTS.items():
            for i in range(1, 5):
                item = f"{prefix}{i}"
                value = latent[construct] + rng.normal(0, 0.7)
                if item in REVERSE:
                    value = 6 - value
                point = int(np.clip(np.rint(value), 1, 5))
                draw = rng.random()
                if draw < 0.04:
                    row[item] = ""  # no answer
                elif draw < 0.30:
                    row[item] = LABELS[point]  # some people tick the label, not the number
                elif draw < 0.35:
                    row[item] = f"{point}.0"  # re-saved by a spreadsheet
                else:
                    row[item] = str(point)
        row["Q21_开放题"] = _answer(rng, latent, wording)
        rows.append(row)
    _write(HERE / "survey.csv", rows)
    broken = [dict(r) for r in rows[:40]]
    broken[3]["T2"] = "7"  # out of range
    broken[5]["S1"] = "很同意"  # not a label of the scale
    broken[8]["编号"] = ""  # missing id
    broken[12]["编号"] = broken[11]["编号"]  # duplicate id
    for row in broken:
        row.pop("F4")  # a column the schema names is missing
    _write(HERE / "survey_broken.csv", broken)


def _answer(rng, latent, wording) -> str:
    if rng.random() < 0.2:
        return ""
    picks = ["trust_high" if latent["trust"] > 3.3 else "trust_low" if latent["trust"] < 2.9
             else "neutral"]
    picks.append("assoc_high" if latent["assoc"] > 3.4 else "assoc_low")
    if latent["gov"] > 3.6 or latent["gov"] < 2.6:
        picks.append("gov_high" if latent["gov"] > 3.6 else "gov_low")
    if latent["freeride"] > 3.5:
        picks.append("freeride")
    chosen = rng.choice(picks, size=min(2, len(picks)), replace=False)
    for k in chosen:
        rng.integers(0, len(ANSWERS[k][:2]))  # the draw the scale stream always made here
    return "".join(ANSWERS[k][wording.integers(0, len(ANSWERS[k]))] for k in chosen)


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
