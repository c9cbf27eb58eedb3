"""Text-message gateways (SMS, WeChat) over signed HTTP: `Gateway.send` out, `verify` for webhooks in."""

from guestgraph.gateway._http import HEADER, Gateway, GatewayError, SignatureRejected, sign, verify

__all__ = ["HEADER", "Gateway", "GatewayError", "SignatureRejected", "sign", "verify"]
