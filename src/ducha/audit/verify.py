"""Verify the audit log's hash chain, streaming row by row in ``seq`` order (constant memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ducha.audit.chain import GENESIS, row_hash
from ducha.audit.models import AuditChainHead, AuditEntry

MAX_LISTED = 50  # problems listed one by one; the total is always counted
CHUNK = 2000


@dataclass
class ChainReport:
    rows: int = 0
    last_seq: int = 0
    head_hash: str = GENESIS
    last_row: str = ""
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    anchor_found: bool | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(message)


def describe(entry: AuditEntry) -> str:
    """The row as an administrator finds it again: sequence number, id and time."""
    return f"第 {entry.seq} 条（id {entry.pk}，时间 {_local(entry.at)}）"


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S.%f")


def _check_row(report: ChainReport, entry: AuditEntry, previous: AuditEntry | None) -> None:
    expected = report.last_seq + 1
    if entry.seq > expected:
        after = f"{describe(previous)}之后" if previous else "链首"
        missing = f"第 {expected} 条" if entry.seq == expected + 1 else f"第 {expected}–{entry.seq - 1} 条"
        report.add(f"{describe(entry)}：{after}缺少{missing}记录（已被删除）")
    if entry.prev_hash != report.head_hash:
        after = f"与{describe(previous)}" if previous else "与链首"
        report.add(f"{describe(entry)}：前一条哈希{after}不符（记录被删除、插入或调换了顺序）")
    if row_hash(entry) != entry.hash:
        report.add(f"{describe(entry)}：内容与哈希不符（记录被修改）")
    if previous is not None and entry.pk <= previous.pk:
        report.add(f"{describe(entry)}：id 不大于上一条{describe(previous)}（顺序被改动）")


def _check_head(report: ChainReport, previous: AuditEntry | None) -> None:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if report.rows:
            report.add("审计链头记录缺失：无法核对末尾记录是否被删除")
        return
    last = describe(previous) if previous else "（无记录）"
    if head.seq > report.last_seq:
        report.add(f"末尾缺少第 {report.last_seq + 1}–{head.seq} 条记录（链头记录共 {head.seq} 条，"
                   f"现存最后一条为{last}）")
    elif head.seq < report.last_seq or head.hash != report.head_hash:
        report.add(f"审计链头（第 {head.seq} 条，哈希 {head.hash[:16]}…）与现存最后一条{last}不符")


def verify_chain(anchors: list[str] | None = None) -> ChainReport:
    """Walk every row in ``seq`` order; ``anchors`` are head hashes kept elsewhere that must still be in the chain."""
    report = ChainReport()
    wanted = {anchor.strip().lower() for anchor in anchors or []}
    found: set[str] = set()
    previous: AuditEntry | None = None
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=CHUNK):
        _check_row(report, entry, previous)
        if entry.hash in wanted:
            found.add(entry.hash)
        report.rows += 1
        report.last_seq = entry.seq
        report.head_hash = entry.hash
        previous = entry
    report.last_row = describe(previous) if previous else ""
    _check_head(report, previous)
    if wanted:
        report.anchor_found = found == wanted
        for anchor in sorted(wanted - found):
            report.add(f"保存的哈希 {anchor} 不在审计链中：其后的记录被删除，或整条链被改写（现存最后一条为"
                       f"{report.last_row or '（无记录）'}）")
    return report
