"""The survey e-mail: plain text and HTML in the guest's language, the link and nothing else of theirs."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from html import escape

from guestgraph.engage import Rendered


def survey_mail(*, lang: str, name: str, hotel: str, link: str, days: int) -> Rendered:
    if lang == "zh":
        subject = f"您在{hotel}的入住体验如何？" if hotel else "您的入住体验如何？"
        lines = [
            f"{name}，您好：",
            f"感谢您入住{hotel}。请用一分钟告诉我们这次入住的感受：",
            link,
            f"链接 {days} 天内有效，只能提交一次。",
        ]
    else:
        subject = f"How was your stay at {hotel}?" if hotel else "How was your stay?"
        lines = [
            f"Dear {name},",
            f"Thank you for staying at {hotel}. Please tell us in one minute how it went:",
            link,
            f"The link is open for {days} days and takes one answer.",
        ]
    text = "\n\n".join(lines) + "\n"
    html_lines = [escape(x) for x in lines]
    html_lines[2] = f'<a href="{escape(link)}">{escape(link)}</a>'
    html = "<!doctype html>\n<html><body>\n" + "".join(f"<p>{x}</p>\n" for x in html_lines)
    html += "</body></html>\n"
    return Rendered("zh" if lang == "zh" else "en", subject, text, html)


def build_survey_mail(rendered: Rendered, *, sender: str, to: str, message_id: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = rendered.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    return mail


def rating_mail(*, lang: str, name: str, hotel: str, what: str, link: str, days: int) -> Rendered:
    """The link to rate how a request was handled: a service message about the guest's own request."""
    if lang == "zh":
        subject = f"{hotel}：您对「{what}」的处理满意吗？" if hotel else f"您对「{what}」的处理满意吗？"
        lines = [
            f"{name}，您好：",
            f"您的需求「{what}」已处理完毕。请用几秒钟告诉我们您是否满意：",
            link,
            f"链接 {days} 天内有效，只能提交一次。如问题仍未解决，请告诉我们，我们会重新处理。",
        ]
    else:
        subject = f"{hotel}: how did we handle “{what}”?" if hotel else f"How did we handle “{what}”?"
        lines = [
            f"Dear {name},",
            f"Your request “{what}” has been resolved. Please tell us in a few seconds how satisfied "
            "you are:",
            link,
            f"The link is open for {days} days and takes one answer. If the problem is not solved, say so "
            "and we will take it up again.",
        ]
    text = "\n\n".join(lines) + "\n"
    html_lines = [escape(x) for x in lines]
    html_lines[2] = f'<a href="{escape(link)}">{escape(link)}</a>'
    html = "<!doctype html>\n<html><body>\n" + "".join(f"<p>{x}</p>\n" for x in html_lines)
    html += "</body></html>\n"
    return Rendered("zh" if lang == "zh" else "en", subject, text, html)
