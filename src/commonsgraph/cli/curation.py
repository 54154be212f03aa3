"""`contributions`: the curators' queue and reviews, from the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from commonsgraph.cli.base import (
    cell,
    console,
    database,
    headed,
    lang_option,
    main,
    opened,
    print_findings,
    say,
    terminal_token,
    word,
)
from commonsgraph.config import Settings
from commonsgraph.contributions import STATUSES, Contributions
from commonsgraph.vocab import compact

# -- contributions -------------------------------------------------------------------------------


@main.group(name="contributions")
def contributions_() -> None:
    """Review contributions from the terminal (the service must not hold the store)."""


@contextmanager
def _workflow(settings: Settings) -> Iterator[Contributions]:
    with opened(settings) as store, database(settings) as state:
        workflow = Contributions.open(store, settings, state)
        try:
            yield workflow
        finally:
            workflow.close()


@contributions_.command(name="list")
@click.option("--status", type=click.Choice(STATUSES), help="Only those with this status.")
@click.pass_obj
def contributions_list(settings: Settings, status: str | None) -> None:
    """Contributions, oldest first."""
    with _workflow(settings) as workflow:
        found = workflow.ledger.find(status=status)
    table = headed(
        "column_id", "column_status", "column_contributor", "column_submitted",
        "column_statements", "column_violations",
    )  # fmt: skip
    for c in found:
        violations = sum(1 for f in c.findings if f.severity == "Violation")
        table.add_row(
            c.id,
            word(f"status_{c.status}"),
            cell(c.contributor_label or c.contributor),
            c.submitted.strftime("%Y-%m-%d %H:%M"),
            str(c.statements),
            str(violations),
        )
    console.print(table)
    console.print(say("contributions_count", count=len(found)))


@contributions_.command(name="show")
@click.argument("contribution_id")
@lang_option("The report's")
@click.pass_obj
def contributions_show(settings: Settings, contribution_id: str, lang: str) -> None:
    """A contribution: who, when, its report by resource, and what it changes."""
    with _workflow(settings) as workflow:
        c = workflow.get(contribution_id, terminal_token())
        changes = workflow.changes(c) if c.status in ("pending", "invalid") else []
    console.print(
        f"[bold]{say('contribution_status', id=c.id, status=word(f'status_{c.status}'))}[/]",
        highlight=False,
    )
    console.print(
        say(
            "contribution_by",
            who=c.contributor_label or c.contributor,
            when=f"{c.submitted:%Y-%m-%d %H:%M}",
            count=c.statements,
            media_type=c.media_type,
            licence=compact(c.licence),
        )
        + (say("from_source", source=c.source) if c.source else ""),
        highlight=False,
    )
    if c.reviewer:
        console.print(
            say("reviewed_by", who=c.reviewer_label or c.reviewer)
            + (cell(f": {c.reason}") if c.reason else ""),
            highlight=False,
        )
    print_findings(c.findings, lang)
    for change in changes:
        console.print(
            f"[bold]{cell(compact(change.subject.value))}[/]"
            + (say("new") if change.is_new else "")
            + ": "
            + say(
                "change_counts",
                added=len(change.added),
                removed=len(change.removed),
                unchanged=change.unchanged,
                kept=change.kept,
            ),
            highlight=False,
        )
        for t in change.added:
            console.print(f"  + {compact(t.predicate.value)} {cell(t.object)}", highlight=False)
        for q in change.removed:
            console.print(f"  - {compact(q.predicate.value)} {cell(q.object)}", highlight=False)


@contributions_.command(name="accept")
@click.argument("contribution_id")
@click.pass_obj
def contributions_accept(settings: Settings, contribution_id: str) -> None:
    """Publish a pending contribution."""
    with _workflow(settings) as workflow:
        c = workflow.accept(contribution_id, terminal_token())
    console.print(say("accepted", id=c.id, graph=workflow.graph(c).value), highlight=False)


@contributions_.command(name="reject")
@click.argument("contribution_id")
@click.option("--reason", required=True, help="Why (the contributor reads it).")
@click.pass_obj
def contributions_reject(settings: Settings, contribution_id: str, reason: str) -> None:
    """Reject a pending (or an invalid) contribution."""
    with _workflow(settings) as workflow:
        c = workflow.reject(contribution_id, terminal_token(), reason)
    console.print(say("rejected", id=c.id), highlight=False)


@contributions_.command(name="revert")
@click.argument("contribution_id")
@click.pass_obj
def contributions_revert(settings: Settings, contribution_id: str) -> None:
    """Withdraw an accepted contribution from the public graph."""
    with _workflow(settings) as workflow:
        c = workflow.revert(contribution_id, terminal_token())
    console.print(say("reverted", id=c.id), highlight=False)
