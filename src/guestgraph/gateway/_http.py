"""SMS and WeChat gateways over HTTP, both ways, signed with a shared secret. Used by the inbox
(inbound webhooks, replies) and by anything else that sends a text message: no SMS or WeChat
message leaves except through a configured `Gateway`.

Inbound: the gateway POSTs `{"from", "text", "id", "sent_at"?}` to
`/api/v1/inbox/{sms|wechat}/{hotel}` with `X-Guestgraph-Signature: sha256=<hex HMAC of the body>`.
Outbound: we POST `{"channel", "to", "text", "reference"}` to the channel's gateway URL with the same
header over our body; the gateway answers 2xx with `{"id": "<its message id>"}`. A WeChat template
message also carries `"template"`: the template ID registered with the official account, whose fields
the adapter fills from the text (WeChat's own template API is the adapter's business). Any SMS or WeChat
provider is put behind a small adapter that speaks this (tests run a local peer that does)."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from guestgraph.errors import GuestgraphError

HEADER = "X-Guestgraph-Signature"


class GatewayError(GuestgraphError):
    """The gateway refused the message or cannot be reached (the message is kept as failed)."""

    status = 502
    code = "gateway_error"


class SignatureRejected(GuestgraphError):
    """A gateway webhook without the right signature (or no gateway secret is configured)."""

    status = 401
    code = "signature_rejected"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str | None, body: bytes, signature: str | None) -> None:
    """Refuse a webhook whose signature is missing or wrong (constant-time comparison)."""
    if not secret:
        raise SignatureRejected(
            "Inbound messages are switched off: no gateway secret is configured.",
            hint="Set GUESTGRAPH_GATEWAY_SECRET here and in the gateway.",
        )
    if not signature or not hmac.compare_digest(sign(secret, body), signature.strip()):
        raise SignatureRejected(
            f"The {HEADER} header is missing or does not match the body.",
            hint="Sign the exact request body: sha256=<hex HMAC-SHA256 under the shared gateway secret>.",
        )


@dataclass(frozen=True)
class Gateway:
    """One channel's outbound gateway."""

    channel: str
    url: str
    secret: str
    timeout: float = 10.0

    def send(self, *, to: str, text: str, reference: str, template: str | None = None) -> str:
        """Hand the message over; returns the gateway's message id. Raises GatewayError with the
        gateway's answer when it refuses or cannot be reached."""
        if not self.url.startswith(("http://", "https://")):
            raise GatewayError(
                f"The {self.channel} gateway URL {self.url!r} is not http(s).", hint="Fix the URL."
            )
        message = {"channel": self.channel, "to": to, "text": text, "reference": reference}
        if template:
            message["template"] = template
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", HEADER: sign(self.secret, body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310  # nosec B310
                payload = json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise GatewayError(
                f"The {self.channel} gateway refused the message: HTTP {e.code}.",
                hint="See the gateway's log; the reply is kept as failed and can be sent again.",
            ) from e
        except (OSError, ValueError) as e:
            raise GatewayError(
                f"The {self.channel} gateway at {self.url} cannot be reached: {e}",
                hint="Check GUESTGRAPH_SMS_GATEWAY_URL / GUESTGRAPH_WECHAT_GATEWAY_URL and the network.",
            ) from e
        return str(payload.get("id") or reference)
