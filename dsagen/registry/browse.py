"""The registry in a browser, through Datasette: dsagen's metadata (titles, descriptions, the
canned queries a research office asks) over the registry file, opened read-only.

Beside the registry Datasette serves a second, throwaway database (`dsagen_views`) that
`dsagen browse` fills when it starts with what SQL alone cannot work out: the dates coming due
(deadline formulas) and each partner's links to its heat-map row and redline page, written as
static HTML next to it. Nothing is written to the registry.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from html import escape
from pathlib import Path
from typing import Any

from ..library import Library
from .store import Registry

VIEWS = "dsagen_views"
ABOVE_FALLBACK = "('approval', 'missing', 'walk-away')"

#: Where each partner stands: its latest agreement, and that agreement's latest copy (if any).
HEADS = """
with latest_agreement as (
  select partner_id, max(id) as agreement_id from agreements group by partner_id),
latest_version as (
  select agreement_id, max(id) as version_id from negotiated_versions group by agreement_id),
heads as (
  select p.id as partner_id, p.slug, p.name, a.id as agreement_id, a.state,
         lv.version_id
  from partners p
  join latest_agreement la on la.partner_id = p.id
  join agreements a on a.id = la.agreement_id
  left join latest_version lv on lv.agreement_id = a.id)
"""

OFF_STANDARD = (
    HEADS
    + """,
cells as (
  select h.slug, h.name, h.state, dsagen_text(coalesce(v.cells, a.cells)) as cells,
         case when v.id is null then 'issued' else 'version ' || v.seq end as source
  from heads h join agreements a on a.id = h.agreement_id
  left join negotiated_versions v on v.id = h.version_id)
select c.slug as partner, c.name, c.state, c.source, cell.key as family,
       json_extract(cell.value, '$.kind') as position,
       json_extract(cell.value, '$.label') as what
from cells c, json_each(c.cells) as cell
where json_extract(cell.value, '$.kind') not in ('standard', 'n/a')
  and (:family = '' or cell.key = :family)
order by cell.key, case json_extract(cell.value, '$.kind')
  when 'walk-away' then 0 when 'missing' then 1 when 'approval' then 2 else 3 end, c.slug
"""
)

AWAITING_APPROVAL = (
    HEADS
    + f""",
current as (
  select h.slug, h.name, h.state, h.agreement_id, v.seq as version, v.sha256,
         coalesce(nc.clause_id, nc.title) as clause, nc.title, nc.position, nc.reasons
  from heads h
  join negotiated_versions v on v.id = h.version_id
  join negotiated_clauses nc on nc.version_id = v.id
  where nc.position in {ABOVE_FALLBACK}
  union all
  select h.slug, h.name, h.state, h.agreement_id, null, null, ac.clause_id, ac.title,
         ac.position, ac.reasons
  from heads h join agreement_clauses ac on ac.agreement_id = h.agreement_id
  where h.version_id is null and ac.position in {ABOVE_FALLBACK})
select c.slug as partner, c.name, c.state, c.agreement_id as agreement, c.version, c.clause,
       c.title, c.position, c.reasons
from current c
where c.state not in ('superseded', 'terminated')
  and not exists (
    select 1 from approvals ap
    where ap.agreement_id = c.agreement_id and ap.clause_id = c.clause
      and (ap.version_sha256 = c.sha256 or (ap.version_sha256 is null and c.sha256 is null)))
order by case c.position when 'walk-away' then 0 when 'missing' then 1 else 2 end, c.slug
"""
)

EVERY_WORDING = (
    HEADS
    + """,
texts as (
  select h.slug, nc.position, nc.text
  from heads h join negotiated_clauses nc on nc.version_id = h.version_id
  join agreement_clauses ac on ac.agreement_id = h.agreement_id and ac.clause_id = nc.clause_id
  where nc.status != 'removed' and (nc.clause_id = :clause or ac.family = :clause)
  union all
  select h.slug, ac.position, ac.text
  from heads h join agreement_clauses ac on ac.agreement_id = h.agreement_id
  where h.version_id is null and (ac.clause_id = :clause or ac.family = :clause))
select count(*) as partners, group_concat(distinct position) as positions,
       group_concat(slug, ', ') as who, dsagen_text(text) as wording
from texts group by text order by count(*) desc
"""
)

DUE_SOON = """
select date, partner, partner_name, agreement, name as what, owed_by, clause, description
from due where date between date('now') and date('now', '+90 days') order by date, partner
"""

PARTNER_LINKS = """
select slug as partner, name, heat_map, redlines from partner_links order by slug
"""


def metadata(base_url: str, name: str = "registry") -> dict[str, Any]:
    """Datasette metadata: titles, descriptions and canned queries (`name`: the registry
    database as Datasette names it, its file name without extension)."""
    registry = {
        "title": "dsagen registry",
        "description": "Every agreement dsagen generated and every negotiated copy received. "
        "Read-only: change it with dsagen commands (the audit tables refuse "
        "edits).",
        "queries": {
            "awaiting_approval": {
                "title": "Deviations awaiting approval",
                "description": "Where each partner stands (its latest copy, or the agreement "
                "as issued): clauses above fallback with no approval recorded "
                "for that copy. Record one with dsagen approve.",
                "sql": AWAITING_APPROVAL,
            },
            "off_standard": {
                "title": "Partners off standard by clause family",
                "description": "Each partner's clause families that are not standard, worst "
                "first; give a family to see one.",
                "sql": OFF_STANDARD,
                "params": ["family"],
            },
            "every_wording": {
                "title": "Every wording of a clause",
                "description": "Where partners stand on one clause (an id such as retention, "
                "or a family): each distinct wording with who has it.",
                "sql": EVERY_WORDING,
                "params": ["clause"],
            },
        },
        "tables": {
            "partners": {"description": "One row per partner (named after the other party)."},
            "agreements": {
                "description": "Every agreement generated, with its parameters and lifecycle state."
            },
            "agreement_clauses": {
                "description": "Each clause as issued: version, variant, "
                "playbook position and text."
            },
            "negotiated_versions": {
                "description": "Every copy received from a partner, numbered per partner."
            },
            "negotiated_clauses": {
                "description": "Each clause of a received copy: status, "
                "position against the playbook, why."
            },
            "approvals": {
                "description": "Who approved which deviation of which copy (append-only)."
            },
            "audit_events": {
                "description": "Forgotten ingests and executions forced past "
                "missing approvals (append-only)."
            },
            "state_changes": {"description": "Every lifecycle change."},
            "documents": {"hidden": True},
            "blobs": {"hidden": True},
            "issued_files": {"description": "Files written for each agreement, by sha256."},
            "dsagen_schema": {"hidden": True},
        },
    }
    views = {
        "title": "dsagen: computed when browse started",
        "description": "Dates worked out from the clause library's deadline formulas, and each "
        "partner's links to its heat-map row and redline page.",
        "queries": {
            "due_90_days": {
                "title": "Dates due in 90 days",
                "description": "Term ends, Retention End Dates, certificates of "
                "destruction and other deadlines of executed "
                "agreements.",
                "sql": DUE_SOON,
            },
            "partner_links": {"title": "Partners: heat-map row and redlines", "sql": PARTNER_LINKS},
        },
        "tables": {
            "due": {"description": "Every deadline of every executed agreement."},
            "partner_links": {"description": f"Links into {base_url}/heatmap/."},
        },
    }
    start = " · ".join(
        f'<a href="/{database}/{query}">{escape(title)}</a>'
        for database, query, title in (
            (name, "awaiting_approval", "Deviations awaiting approval"),
            (name, "off_standard", "Partners off standard by clause family"),
            (VIEWS, "due_90_days", "Dates due in 90 days"),
            (name, "every_wording", "Every wording of a clause"),
            (VIEWS, "partner_links", "Partners: heat-map row and redlines"),
        )
    )
    return {
        "title": "dsagen registry",
        "description_html": f'<p>Start with: {start}; or the <a href="/heatmap/'
        'variants.html">heat map</a>.</p>',
        "databases": {name: registry, VIEWS: views},
    }


def prepare(
    registry: Registry, library: Library, folder: Path, base_url: str, *, today: dt.date
) -> Path:
    """Write the heat map with its redlines under `folder/heatmap/` and the views database;
    returns the views database."""
    from . import queries
    from .due import due
    from .heatmap import anchor_partner, write_heatmap

    matrix = queries.variants_matrix(registry)
    write_heatmap(registry, matrix, folder / "heatmap" / "variants.html", force=True)
    dates = due(registry, library, today=today)
    path = folder / f"{VIEWS}.db"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "create table due (date text, partner text, partner_name text, "
            "agreement integer, reference text, clause text, deadline text, "
            "name text, owed_by text, description text)"
        )
        connection.executemany(
            "insert into due values (?,?,?,?,?,?,?,?,?,?)",
            [tuple(d.to_json().values()) for d in dates],
        )
        connection.execute(
            "create table partner_links (slug text primary key, name text, "
            "heat_map text, redlines text)"
        )
        connection.executemany(
            "insert into partner_links values (?,?,?,?)",
            [
                (
                    row.head.partner,
                    row.head.name,
                    f"{base_url}/heatmap/variants.html#{anchor_partner(row.head.partner)}",
                    f"{base_url}/heatmap/variants_redlines/{row.head.partner}.html",
                )
                for row in matrix.rows
            ],
        )
        connection.commit()
    finally:
        connection.close()
    return path


#: A Datasette plugin: clause texts are stored packed (dsagen.registry.packing); this shows
#: them as text in every table and gives SQL a dsagen_text() to unpack them.
PLUGIN = """
from markupsafe import escape
from datasette import hookimpl
from dsagen.registry.packing import FORMAT_1, unpack


@hookimpl
def prepare_connection(conn):
    conn.create_function("dsagen_text", 1, lambda v: None if v is None else unpack(v))


@hookimpl
def render_cell(value):
    if isinstance(value, bytes) and value[:1] == FORMAT_1:
        return escape(unpack(value))
    return None
"""


def serve_command(
    database: Path,
    views: Path,
    folder: Path,
    metadata_file: Path,
    *,
    host: str,
    port: int,
    open_browser: bool,
) -> list[str]:
    """The `datasette serve` command line: the registry read-only beside the views."""
    import sys

    plugins = folder / "plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "dsagen_texts.py").write_text(PLUGIN, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        f"{database}",
        str(views),
        "--metadata",
        str(metadata_file),
        "--static",
        f"heatmap:{folder / 'heatmap'}",
        "--plugins-dir",
        str(plugins),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
    ]
    if open_browser:
        command.append("--open")
    return command
