"""Lists of measures: by department sets, mentions, counts of lead departments, and filters of the last list."""

from __future__ import annotations

import re

from knowledge.answers import Answer, Fact, Intent, MeasureHit
from knowledge.catalog import Catalog
from knowledge.frame import Cue, Frame

BOUNDS = {
    "超过": lambda size, n: size > n, "多于": lambda size, n: size > n, "大于": lambda size, n: size > n,
    "至少": lambda size, n: size >= n, "不少于": lambda size, n: size >= n, "不低于": lambda size, n: size >= n,
    "少于": lambda size, n: size < n, "不到": lambda size, n: size < n, "低于": lambda size, n: size < n,
}


TITLE_WORDS = re.compile(r"标题|名称|名字|题目|全称|叫什么|叫啥")  # what a list already shows: no filter

class MeasureLists:
    """Builds the list answers the executor hands out; each is exact over the parsed document."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def measure_list(self, raw: str, numbers: tuple[int, ...], title: str, f: Frame,
                      intent: Intent = Intent.MEASURE_LIST, departments: tuple[str, ...] = (),
                      note: str | None = None) -> Answer:
        hits = tuple(self.catalog.measure_hit(n) for n in sorted(set(numbers)))
        if f.asks_group and hits:  # "市委组织部负责的措施都在哪几个部分"
            groups = dict.fromkeys(self.catalog.group_label(h.group_number) for h in hits)
            title = f"{title}（分属{'、'.join(groups)}）"
        count = len(hits) if f.has(Cue.COUNT) else None
        return Answer(question=raw, intent=Intent.COUNT if count is not None else intent, measures=hits,
                      departments=departments, title=title, count=count, note=note)

    def shared_leads(self, f: Frame, raw: str) -> Answer:
        """"这两条共同的牵头部门": the departments every measure asked about shares."""
        hits = tuple(self.catalog.measure_hit(n) for n in f.measures)
        shared = tuple(d for d in hits[0].departments if all(d in h.departments for h in hits[1:]))
        title = ("、".join(f"第{h.number}条" for h in hits) + f"共同的牵头单位（{len(shared)}个）："
                 + ("、".join(shared) or "没有"))
        return Answer(question=raw, intent=Intent.MEASURE_LIST, measures=hits, departments=shared, title=title)

    def followup(self, f: Frame, raw: str) -> Answer:
        """A filter or count over the measures the last answer listed ("其中哪些有国资委", "一共几条")."""
        numbers = set(f.base_measures or ())
        kept = numbers - set(f.measures) if f.measures else numbers  # "去掉第八条"
        for dept in f.departments:
            led = set(self.catalog.by_department[dept])
            kept = kept - led if f.has(Cue.NEGATION) else kept & led
        groups = f.groups or self.catalog.groups_named(f.text)
        if groups:  # "其中属于（二）的", "去掉坚持党建统领那部分的"
            in_groups = {n for g in groups for n in self.catalog.group_measures[g]}
            kept = kept - in_groups if f.has(Cue.NEGATION) and not f.departments else kept & in_groups
        elif (topic := TITLE_WORDS.sub(" ", f.topic).strip()) and not (f.departments or f.measures):
            kept = kept & set(self.catalog.mentions(topic))  # "这几条的标题": the list itself, not a filter
        title = "其中符合条件的措施" if kept != numbers else "上面列出的措施"
        return self.measure_list(raw, tuple(kept), title, f, departments=tuple(f.departments),
                                  note=None if kept else "上面列出的措施中没有符合条件的。")


    def mentions(self, f: Frame, raw: str) -> Answer:
        numbers = set(self.catalog.mentions(f.topic))
        for dept in f.departments:
            numbers &= set(self.catalog.by_department[dept])
        term = f.topic.replace(" ", "")
        elsewhere = self.catalog.sections_with(f.topic) if not numbers else []
        if elsewhere:
            facts = tuple(Fact(label=f"出自{label}", text=sentence) for label, sentence in elsewhere)
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=facts, note=f"工作措施中没有提到“{term}”。")
        note = None if numbers else f"没有措施提到“{term}”。"
        hits = tuple(self.catalog.measure_hit(n, self.catalog.sentences_with(n, f.topic)[:1]) for n in sorted(numbers))
        count = len(hits) if f.has(Cue.COUNT) else None
        return Answer(question=raw, intent=Intent.MENTIONS, measures=hits, title=f"提到“{term}”的措施",
                      departments=tuple(f.departments), count=count, note=note)

    def only_n(self, f: Frame, raw: str) -> Answer:
        if f.size_bound is not None:
            word, n = f.size_bound
            test = BOUNDS[word]
            numbers = tuple(m.number for m in self.catalog.document.measures if test(len(m.departments), n))
            return self.measure_list(raw, numbers, f"牵头单位{word}{n}个的措施", f)
        if f.departments_with_n is not None:
            wanted = f.departments_with_n
            names = tuple(d for d, numbers in self.catalog.by_department.items() if len(numbers) == wanted)
            numbers = tuple(n for d in names for n in self.catalog.by_department[d])
            title = f"只负责{wanted}条措施的单位：{'、'.join(names) or '没有'}；它们负责的措施"
            return self.measure_list(raw, numbers, title, f, Intent.DEPARTMENT_MEASURES, names)
        if f.ranks_departments:  # "哪个部门负责的措施最多": departments ranked by how many measures they lead
            counts = {d: len(numbers) for d, numbers in self.catalog.by_department.items()}
            wanted = (max if f.extreme == "max" else min)(counts.values())
            winners = [d for d, n in counts.items() if n == wanted]
            numbers = tuple(n for d in winners for n in self.catalog.by_department[d])
            title = f"{'、'.join(winners)}负责的措施{'最多' if f.extreme == 'max' else '最少'}，各{wanted}条"
            return self.measure_list(raw, numbers, title, f, Intent.DEPARTMENT_MEASURES, tuple(winners))
        sizes = {m.number: len(m.departments) for m in self.catalog.document.measures}
        if f.extreme:
            wanted = (max if f.extreme == "max" else min)(sizes.values())
        else:
            wanted = f.only_n or 0
        numbers = tuple(n for n, size in sizes.items() if size == wanted)
        note = None if numbers else f"没有恰好由 {wanted} 个单位牵头的措施。"
        return self.measure_list(raw, numbers, f"由 {wanted} 个单位牵头的措施", f, note=note)


def verdict(named: list[str], hit: MeasureHit) -> str | None:
    """Say plainly whether the departments a question named lead this measure."""
    inside = [d for d in named if d in hit.departments]
    said = f"{'、'.join(inside)}是第{hit.number}条的牵头单位之一。" if inside else ""
    return (said + (not_leading(named, hit) or "")) or None

def not_leading(named: list[str], hit: MeasureHit) -> str | None:
    """The honest note when a question names a department that does not lead the measure answered."""
    outside = [d for d in named if d not in hit.departments]
    return f"注意：{'、'.join(outside)}不在第{hit.number}条的牵头单位中。" if outside else None
