"""The survey's one small HTML page: readable on a phone (viewport, large touch targets, no
scripts, no outside assets), every value escaped."""

from __future__ import annotations

from html import escape

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


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>")


def form_page(subject: str | None, errors: list[str] | None = None, score: int | None = None, comment: str = "") -> str:
    choices = "".join(
        f'<label><input type="radio" name="score" value="{n}" required{" checked" if score == n else ""}>{n}</label>'
        for n in range(1, 6))
    problems = "".join(f'<p class="error">{escape(e)}</p>' for e in errors or [])
    return _page("How did we do?", (
        f"<h1>How did we do?</h1><p>Your request: <strong>{escape(subject or '')}</strong></p>{problems}"
        f'<form method="post"><p>1 = very unhappy, 5 = very happy</p><div class="scores">{choices}</div>'
        f'<label for="comment">Anything you want to tell us? (optional)</label>'
        f'<textarea id="comment" name="comment" maxlength="2000">{escape(comment)}</textarea>'
        f"<button type=\"submit\">Send</button></form>"))


def message_page(title: str, text: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")
