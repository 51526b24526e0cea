"""Every name on the Kuper wire, in one place.

The models use these constants as field aliases and the client uses them for paths and headers,
so changing a constant here changes the wire format everywhere (and the fixtures under
``tests/fixtures/kuper`` will tell you what moved).

Sources (see ``docs/kuper-protocol.md``):

- **seeds**: the two Kuper integration documents show the notification envelope, ``orderUUID``,
  ``number``, ``positions`` (``id``, ``quantity``, ``price``, ``discountPrice``, ``totalPrice``,
  ``weight``), ``total`` (``totalPrice``, ``discountTotalPrice``), ``pickupCode`` and the
  answer to ``order.created`` (``status``, ``number``);
- **older API**: the OpenAPI client of the older SberMarket notifications API gives
  ``markingCode`` / ``value``, ``replacedByID`` and the ``Api-Version`` header;
- everything marked ``# ASSUMED`` was seen in no public source: the protocol document names a
  plausible layout (mostly from public integrations' models of a Kuper order). Webhook models accept
  these fields when they come and do not fail when they are absent, so a wrong guess here degrades
  to "field missing", never to a refused webhook.
"""

from __future__ import annotations

from typing import Final

# --- envelope --------------------------------------------------------------------------------
EVENT_TYPE: Final = "event_type"
PAYLOAD: Final = "payload"
TIMESTAMP: Final = "timestamp"  # ASSUMED (the webhook envelope is assumed to mirror notifications)

# --- order identity --------------------------------------------------------------------------
ORDER_UUID: Final = "orderUUID"
NUMBER: Final = "number"  # the merchant's own order id

# --- order.created payload (whole layout ASSUMED, names from public integrations) ------------
ORIGINAL_ORDER_ID: Final = "originalOrderId"  # ASSUMED
STORE_ID: Final = "storeID"  # ASSUMED
STORE_IMPORT_KEY: Final = "storeImportKey"  # ASSUMED
STATE: Final = "state"  # ASSUMED
PAYMENT_STATE: Final = "paymentState"  # ASSUMED
SHIPMENT_METHOD: Final = "shipmentMethod"  # ASSUMED
SHIPMENT_METHOD_ALIAS: Final = "shippingMethod"  # ASSUMED: accepted on input, never sent
REPLACEMENT_POLICY: Final = "replacementPolicy"  # ASSUMED
CUSTOMER: Final = "customer"  # ASSUMED
ADDRESS: Final = "address"  # ASSUMED
DELIVERY: Final = "delivery"  # ASSUMED
COMMENT: Final = "comment"  # ASSUMED
UPDATE_KIND: Final = "kind"  # ASSUMED (order.updated: what changed)

CUSTOMER_NAME: Final = "name"  # ASSUMED
CUSTOMER_PHONE: Final = "phone"  # ASSUMED
CUSTOMER_EMAIL: Final = "email"  # ASSUMED (the pickup code by e-mail uses it when Kuper sends it)
ADDRESS_FULL: Final = "full_address"  # ASSUMED (snake_case in the protocol's example)
DELIVERY_FROM: Final = "expectedFrom"  # ASSUMED
DELIVERY_TO: Final = "expectedTo"  # ASSUMED

# --- courier (courier.assigned) ----------------------------------------------------------------
COURIER: Final = "courier"  # ASSUMED
COURIER_NAME: Final = "name"  # ASSUMED
COURIER_PHONE: Final = "phone"  # ASSUMED
COURIER_PHOTO_URL: Final = "photoUrl"  # ASSUMED

# --- positions and totals ----------------------------------------------------------------------
POSITIONS: Final = "positions"
POSITION_ID: Final = "id"  # the merchant's SKU
POSITION_NAME: Final = "name"  # ASSUMED (webhooks only)
POSITION_ORIGINAL_QUANTITY: Final = "originalQuantity"  # ASSUMED (webhooks only)
POSITION_QUANTITY: Final = "quantity"
POSITION_PRICE: Final = "price"
POSITION_DISCOUNT_PRICE: Final = "discountPrice"
POSITION_TOTAL_PRICE: Final = "totalPrice"
POSITION_TOTAL_DISCOUNT_PRICE: Final = "totalDiscountPrice"  # ASSUMED (webhooks only)
POSITION_WEIGHT: Final = "weight"
MARKING_CODES: Final = "markingCode"  # older API: a list of {"value": ...}
MARKING_CODE_VALUE: Final = "value"  # older API
REPLACED_BY_ID: Final = "replacedByID"  # older API: on a substitute, the SKU it replaces

TOTAL: Final = "total"
TOTAL_PRICE: Final = "totalPrice"
TOTAL_DISCOUNT_PRICE: Final = "discountTotalPrice"

# --- cancellation ------------------------------------------------------------------------------
CANCELLATION: Final = "cancellation"
CANCELLATION_SLUG: Final = "slug"
CANCELLATION_DESCRIPTION: Final = "description"

# --- pickup ------------------------------------------------------------------------------------
PICKUP_CODE: Final = "pickupCode"

# --- answer to order.created ------------------------------------------------------------------
ANSWER_STATUS: Final = "status"
ANSWER_STATUS_CREATED: Final = "created"
ANSWER_EXPECTED_ASSEMBLY_TIME: Final = "expectedAssemblyTime"

# --- HTTP: paths and headers -------------------------------------------------------------------
NOTIFICATIONS_PATH: Final = "/ofm/api/v1/notifications"
TOKEN_PATH: Final = "/auth/token"
API_VERSION_HEADER: Final = "Api-Version"  # older API; harmless to send
API_VERSION: Final = "3.0"
RETRY_AFTER_HEADER: Final = "Retry-After"
CLIENT_TOKEN_HEADER: Final = "Client-Token"  # incoming webhooks: shared secret header

# --- token exchange (whole exchange ASSUMED: OAuth2 client credentials, form-encoded) ----------
TOKEN_GRANT_TYPE: Final = "grant_type"  # ASSUMED
TOKEN_GRANT_CLIENT_CREDENTIALS: Final = "client_credentials"  # ASSUMED
TOKEN_CLIENT_ID: Final = "client_id"  # ASSUMED
TOKEN_CLIENT_SECRET: Final = "client_secret"  # ASSUMED
TOKEN_ACCESS_TOKEN: Final = "access_token"  # ASSUMED
TOKEN_TYPE: Final = "token_type"  # ASSUMED
TOKEN_EXPIRES_IN: Final = "expires_in"  # ASSUMED
