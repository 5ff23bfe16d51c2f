"""The bot a user would otherwise build: python-telegram-bot's own ConversationHandler and
PicklePersistence, asking the same three questions as hiendien's person flow.

/start → "Bạn là:" [Cá nhân | Doanh nghiệp | Hộ kinh doanh] → date of birth (dd/mm/yyyy) →
"Bạn có phải là công dân Việt Nam không?" [Có | Không] → verdict. Used by
bench/telegram_turns.py for comparison; polling only.

    .venv/bin/python -m bench.reference_ptb_bot --token T --base-url U --pickle ref.pickle \
        [--limits stock|flood|none] [--concurrent-updates 1]

``--limits stock`` (the default) is what a user would add: python-telegram-bot's own
``AIORateLimiter()`` as it comes (30 messages a second overall, 20 a minute per group, no
per-chat wait); ``flood`` uses hiendien's ``FloodLimits`` (the same plus 1 a second per
private chat); ``none`` sends as fast as it can. ``--concurrent-updates``: how many updates
the Application handles at once (python-telegram-bot's default, 1: one at a time, which
ConversationHandler is written for); hiendien handles different chats at once (256).
"""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime
from pathlib import Path
from warnings import filterwarnings

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

KIND, BIRTH, CITIZEN = range(3)
MIN_AGE, MAX_AGE = 18, 23

# per_message=False is what we want (one conversation per chat), not a mistake
filterwarnings("ignore", message=r".*CallbackQueryHandler", category=PTBUserWarning)


def buttons(*titles: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in titles]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await update.message.reply_text(
        "Bạn là:",
        reply_markup=buttons(
            ("Cá nhân", "person"), ("Doanh nghiệp", "enterprise"), ("Hộ kinh doanh", "household")
        ),
    )
    return KIND


async def kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    if query.data != "person":  # the benchmark asks only about a person
        await query.message.reply_text("Xin liên hệ Tổ công nghệ số cộng đồng.")
        return ConversationHandler.END
    await query.message.reply_text("Bạn sinh ngày nào? (ngày/tháng/năm, ví dụ 15/03/2005)")
    return BIRTH


async def birth(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        born = datetime.strptime(update.message.text.strip(), "%d/%m/%Y").date()
    except ValueError:
        await update.message.reply_text("Xin nhập ngày sinh theo dạng ngày/tháng/năm.")
        return BIRTH
    context.user_data["birth"] = born
    await update.message.reply_text(
        "Bạn có phải là công dân Việt Nam không?",
        reply_markup=buttons(("Có", "yes"), ("Không", "no")),
    )
    return CITIZEN


async def citizen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    born, today = context.user_data["birth"], date.today()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if query.data == "yes" and MIN_AGE <= age <= MAX_AGE:
        text = "Bạn rất có thể đủ điều kiện nhận tên miền id.vn miễn phí 2 năm."
    else:
        text = "Rất tiếc, bạn chưa đủ điều kiện nhận tên miền id.vn miễn phí."
    await query.message.reply_text(text)
    return ConversationHandler.END


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--token", required=True)
    ap.add_argument("--base-url", default="https://api.telegram.org/bot")
    ap.add_argument("--pickle", type=Path, default=Path("reference.pickle"))
    ap.add_argument("--limits", choices=("stock", "flood", "none"), default="stock")
    ap.add_argument("--concurrent-updates", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    builder = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        .persistence(PicklePersistence(filepath=args.pickle))
    )
    if args.limits == "stock":
        from telegram.ext import AIORateLimiter

        builder = builder.rate_limiter(AIORateLimiter())
    elif args.limits == "flood":
        from bot.channels.telegram.limits import FloodLimits

        builder = builder.rate_limiter(FloodLimits(overall_per_second=30, private_per_second=1))
    if args.concurrent_updates > 1:
        builder = builder.concurrent_updates(args.concurrent_updates)
    app = builder.build()
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                KIND: [CallbackQueryHandler(kind)],
                BIRTH: [MessageHandler(filters.TEXT & ~filters.COMMAND, birth)],
                CITIZEN: [CallbackQueryHandler(citizen, pattern="^(yes|no)$")],
            },
            fallbacks=[CommandHandler("start", start)],
            name="eligibility",
            persistent=True,
        )
    )
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
