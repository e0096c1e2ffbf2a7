"""The survey's one small HTML page: readable on a phone (viewport, large touch targets, no
scripts, no outside assets), every value escaped, in English or Simplified Chinese (the
customer's Accept-Language, else the tenant's language)."""

from __future__ import annotations

from html import escape

from domain.i18n.catalog import EN, ZH

_STYLE = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#1c1e21}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.35rem;margin:0 0 .5rem}
p{line-height:1.5}
.scores{display:flex;gap:.5rem;justify-content:space-between;margin:1rem 0}
.scores label{flex:1;text-align:center;border:1px solid #c7cbd1;border-radius:.6rem;padding:.9rem 0;font-size:1.2rem;background:#fff}
.scores input{display:block;margin:0 auto .35rem;width:1.3rem;height:1.3rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit;padding:.6rem;border-radius:.6rem;border:1px solid #c7cbd1}
button{margin-top:1rem;width:100%;padding:.9rem;font-size:1.1rem;border:0;border-radius:.6rem;background:#2563eb;color:#fff}
.error{color:#b42318;font-weight:600}
"""
TEXTS: dict[str, dict[str, str]] = {
    "title": {EN: "How did we do?", ZH: "您对本次服务满意吗？"},
    "request": {EN: "Your request:", ZH: "您的请求："},
    "scale": {EN: "1 = very unhappy, 5 = very happy", ZH: "1 = 非常不满意，5 = 非常满意"},
    "comment": {
        EN: "Anything you want to tell us? (optional)",
        ZH: "还有什么想告诉我们的吗？（选填）",
    },
    "send": {EN: "Send", ZH: "提交"},
    "not_found.title": {EN: "Survey not found", ZH: "找不到调查"},
    "not_found": {
        EN: "This survey link is not valid. Please use the link you received.",
        ZH: "此调查链接无效，请使用您收到的链接。",
    },
    "expired.title": {EN: "Survey expired", ZH: "调查已过期"},
    "expired": {EN: "This survey link has expired.", ZH: "此调查链接已过期。"},
    "answered.title": {EN: "Already answered", ZH: "已经回答过了"},
    "answered": {
        EN: "This survey has already been answered. Thank you!",
        ZH: "此调查已经回答过了，谢谢！",
    },
    "thanks.title": {EN: "Thank you!", ZH: "谢谢！"},
    "thanks": {EN: "Your answer has been recorded.", ZH: "您的回答已记录。"},
    "busy.title": {EN: "Too many requests", ZH: "请求过多"},
    "busy": {EN: "Please try again in a minute.", ZH: "请一分钟后再试。"},
    "too_long.title": {EN: "Too long", ZH: "内容过长"},
    "too_long": {EN: "The answer is too long.", ZH: "回答内容过长。"},
    "OUT_OF_RANGE": {EN: "Choose a score from 1 to 5.", ZH: "请选择 1 到 5 的评分。"},
    "LENGTH": {EN: "A comment has at most 2000 characters.", ZH: "评论最多 2000 个字符。"},
}


def text(key: str, locale: str) -> str:
    texts = TEXTS[key]
    return texts.get(locale, texts[EN])


def _page(title: str, body: str, locale: str) -> str:
    return (
        f'<!doctype html><html lang="{escape(locale)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def form_page(
    subject: str | None, locale: str, error_codes: list[str] | None = None, comment: str = ""
) -> str:
    choices = "".join(
        f'<label><input type="radio" name="score" value="{n}" required>{n}</label>'
        for n in range(1, 6)
    )
    problems = "".join(
        f'<p class="error">{escape(text(code, locale))}</p>'
        for code in error_codes or []
        if code in TEXTS
    )
    return _page(
        text("title", locale),
        (
            f"<h1>{escape(text('title', locale))}</h1><p>{escape(text('request', locale))} "
            f"<strong>{escape(subject or '')}</strong></p>{problems}"
            f'<form method="post"><p>{escape(text("scale", locale))}</p><div class="scores">{choices}</div>'
            f'<label for="comment">{escape(text("comment", locale))}</label>'
            f'<textarea id="comment" name="comment" maxlength="2000">{escape(comment)}</textarea>'
            f'<button type="submit">{escape(text("send", locale))}</button></form>'
        ),
        locale,
    )


def message_page(key: str, locale: str) -> str:
    title = text(f"{key}.title", locale)
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(text(key, locale))}</p>", locale)
