"""Inline mode: `@bot 产教融合` in any chat offers the answer and the measures' full texts as results."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import Application, InlineQueryHandler

from bot.telegram.context import BotContext
from bot.telegram.views import EXAMPLES, InlineArticle, inline_articles

CACHE_SECONDS = 300


async def on_inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    service = context.service
    measures = {m.number: m for m in service.document.measures}
    text = query.query.strip()
    if text:
        articles = inline_articles(service.ask(text), measures)
    else:
        articles = [inline_articles(service.ask(q), measures, prefix=f"example{i}-")[0] for i, q in enumerate(EXAMPLES)]
        articles = [a.model_copy(update={"title": q}) for a, q in zip(articles, EXAMPLES, strict=True)]
    await query.answer([_result(a) for a in articles], cache_time=CACHE_SECONDS)


def _result(article: InlineArticle) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=article.id,
        title=article.title,
        description=article.description,
        input_message_content=InputTextMessageContent(article.text, parse_mode=ParseMode.HTML),
    )


def register(app: Application) -> None:
    app.add_handler(InlineQueryHandler(on_inline_query))
