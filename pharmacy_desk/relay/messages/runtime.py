"""The messenger of a running relay: senders from ``[messaging]``, ``None`` when no store opted in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.messages.senders import Channel, MessageSender, SmsRuSender, SmtpSender
from pharmacy_desk.relay.messages.service import PickupMessenger


def build_messenger(config: RelayConfig, engine: AsyncEngine) -> PickupMessenger | None:
    if not any(s.pickup_messages.sms or s.pickup_messages.email for s in config.stores):
        return None
    settings = config.messaging
    senders: dict[Channel, MessageSender] = {}
    if settings.smtp is not None:
        smtp = settings.smtp
        senders[Channel.EMAIL] = SmtpSender(
            smtp.host,
            smtp.port,
            smtp.from_address,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password is not None else None,
            starttls=smtp.starttls,
            use_tls=smtp.use_tls,
            timeout=settings.timeout_seconds,
        )
    if settings.sms is not None:
        sms = settings.sms
        senders[Channel.SMS] = SmsRuSender(
            sms.api_id.get_secret_value(), base_url=sms.base_url, sender=sms.sender, timeout=settings.timeout_seconds
        )
    return PickupMessenger(engine, settings, senders)
