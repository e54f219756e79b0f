"""``tandem kb ...`` and ``tandem assist ...``: the knowledge base and the assist from the shell.

Every command works on the database configured by TANDEM_DATA_DIR / TANDEM_DATABASE_URL, migrated
first; the embedding model is loaded only by the commands that embed.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine
from tqdm import tqdm

from assist.config import load_assist_config
from assist.evaluate import evaluate, read_eval_file
from assist.kb.parse import iter_files
from assist.kb.store import KnowledgeBase
from assist.learning import read_learn_file
from assist.service import Assist
from common.cli import run_on_database
from common.settings import SettingsError


async def _open_assist(engine: AsyncEngine) -> Assist:
    try:
        config = load_assist_config()
    except SettingsError as error:
        raise click.ClickException(f"bad setting: {error}") from None
    return await Assist.open(engine, config)


@click.group("kb")
def kb_group() -> None:
    """The knowledge base the assist suggests from."""


@kb_group.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def kb_load(paths: tuple[Path, ...]) -> None:
    """Load articles from files or folders (Markdown, HTML, text, JSON, JSONL, CSV)."""
    files = list(iter_files(paths))

    async def action(engine: AsyncEngine) -> None:
        assist = await _open_assist(engine)
        try:
            with tqdm(total=len(files), unit="file", desc="loading") as bar:
                report = await assist.load(files, progress=lambda _path: bar.update(1))
        finally:
            await assist.close()
        for _path, reason in report.failed:
            click.echo(f"failed: {reason}", err=True)  # the reason starts with the file's path
        click.echo(f"{report.summary()} ({report.embedded_passages} passages embedded)")
        if report.failed:
            raise SystemExit(1)

    run_on_database(action)


@kb_group.command("list")
def kb_list() -> None:
    """List the articles."""
    articles = run_on_database(lambda engine: KnowledgeBase(engine).articles())
    for a in articles:
        click.echo(f"{a.id:<40} {a.passages:>3} passages  {a.title}")
    click.echo(f"{len(articles)} articles")


@kb_group.command("remove")
@click.argument("article_id")
def kb_remove(article_id: str) -> None:
    """Remove an article and its passages."""
    if not run_on_database(lambda engine: KnowledgeBase(engine).remove(article_id)):
        raise click.ClickException(f"no article with id {article_id!r}")
    click.echo(f"removed {article_id}")


@click.group("assist")
def assist_group() -> None:
    """The agent assist: learning and evaluation."""


@assist_group.command("learn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def assist_learn(file: Path) -> None:
    """Learn from past conversations: JSONL lines {"message": "...", "article_id": "..."}."""
    lines = list(read_learn_file(file))
    examples = [line.example for line in lines if line.example is not None]
    bad = [line for line in lines if line.error]

    async def action(engine: AsyncEngine) -> tuple[int, set[str]]:
        known = {a.id for a in await KnowledgeBase(engine).articles()}
        assist = await _open_assist(engine)
        try:
            with tqdm(total=len(examples), unit="pair", desc="learning") as bar:
                learned = await assist.learn_many(examples, "import", progress=bar.update)
        finally:
            await assist.close()
        return learned, {e.article_id for e in examples} - known

    learned, unknown = run_on_database(action)
    for line in bad[:20]:
        click.echo(f"skipped: {file}: line {line.number}: {line.error}", err=True)
    if unknown:
        click.echo(
            f"warning: {len(unknown)} article id(s) not in the knowledge base, e.g. {sorted(unknown)[0]!r}"
        )
    click.echo(f"learned {learned}, already known {len(examples) - learned}, skipped {len(bad)}")


@assist_group.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object of the figures.")
def assist_eval(file: Path, as_json: bool) -> None:
    """Measure suggestions on JSONL lines {"query": "...", "relevant": ["article id", ...]}."""
    try:
        lines = read_eval_file(file)
    except ValueError as error:
        raise click.ClickException(str(error)) from None

    async def action(engine: AsyncEngine) -> dict[str, float | int]:
        async with await _open_assist(engine) as assist:
            with tqdm(total=len(lines), unit="query", desc="evaluating", disable=as_json) as bar:
                result = await evaluate(lines, assist.suggest_many, progress=bar.update)
        return result.to_json()

    figures = run_on_database(action)
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo(f"queries with relevant articles: {figures['n']}")
    for key in ("recall@1", "recall@3", "recall@5", "mrr"):
        click.echo(f"  {key:<9} {figures[key]:.4f}")
    click.echo(f"queries that should get nothing: {figures['oos_n']}")
    click.echo(f"  false-suggestion rate {figures['oos_false_suggestion_rate']:.4f}")
