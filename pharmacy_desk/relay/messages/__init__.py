"""The pickup code repeated to the customer by SMS and / or e-mail (the seed's «Дополнительные возможности»).

- :mod:`.senders`: the pluggable senders — :class:`~.senders.SmtpSender` (aiosmtplib) and
  :class:`~.senders.SmsRuSender` (SMS.ru's HTTP API) behind one :class:`~.senders.MessageSender`;
- :mod:`.service`: :class:`~.service.PickupMessenger`: once per code and channel, in the background
  right after the code was issued (never in the way of the Kuper notification), each attempt recorded
  in ``pickup_messages`` (the code's message log, shown in the order's history) — never the code itself.
"""
