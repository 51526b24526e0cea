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
- **live**: public code that ran against Kuper's real API (an ERP pulling ``/ofm/api/v1/shipments``,
  SberMarket's own QA suite, the notifications OpenAPI client): the nested notification envelope
  (``event.type``, ``event.payload.order_id``, ``payload.order``, ``code``), the shipments list and
  state endpoints, ``completeBefore``, the structured address, ``customer.short_number``,
  ``cancellationReason``, decimal quantities; marked ``# LIVE``;
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

# --- the nested envelope (live: notifications v3; accepted on webhooks too) -------------------
EVENT: Final = "event"  # LIVE: {"event": {"type", "payload"}}
EVENT_TYPE_NESTED: Final = "type"  # LIVE
ORDER_ID: Final = "order_id"  # LIVE: Kuper's originalOrderId (H12345678901) in a nested payload
NESTED_ORDER: Final = "order"  # LIVE: the composition under payload.order
ORDER_CHANGED: Final = "changed"  # LIVE: whether the composition differs from the order (v3 requires it)
PACKS: Final = "packs"  # LIVE
PACKS_COUNT: Final = "count"  # LIVE
NESTED_PICKUP_CODE: Final = "code"  # LIVE: the pickup code (pickupCode in the seeds)

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
COMPLETE_BEFORE: Final = "completeBefore"  # LIVE: the deadline of the order
PAYMENT_METHODS: Final = "paymentMethods"  # LIVE
CANCELLATION_REASON: Final = "cancellationReason"  # LIVE: a plain string beside the cancellation object

CUSTOMER_NAME: Final = "name"  # ASSUMED
CUSTOMER_PHONE: Final = "phone"  # ASSUMED
CUSTOMER_SHORT_NUMBER: Final = "short_number"  # LIVE: the number the customer names at the counter
ADDRESS_FULL: Final = "full_address"  # LIVE (snake_case, as in the protocol's example)
ADDRESS_CITY: Final = "city"  # LIVE
ADDRESS_STREET: Final = "street"  # LIVE
ADDRESS_BUILDING: Final = "building"  # LIVE
ADDRESS_APARTMENT: Final = "apartment"  # LIVE
ADDRESS_ENTRANCE: Final = "entrance"  # LIVE
ADDRESS_FLOOR: Final = "floor"  # LIVE
ADDRESS_DOOR_PHONE: Final = "door_phone"  # LIVE
ADDRESS_ELEVATOR: Final = "elevator"  # LIVE
ADDRESS_TO_DOOR: Final = "delivery_to_door"  # LIVE
CUSTOMER_EMAIL: Final = "email"  # ASSUMED (the pickup code by e-mail uses it when Kuper sends it)
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
POSITION_STATE: Final = "state"  # LIVE (webhooks only)

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
SHIPMENTS_PATH: Final = "/ofm/api/v1/shipments"  # LIVE: the order list (pull)
SHIPMENT_STATE_PATH: Final = "/ofm/api/v1/shipments/{order_id}/state"  # LIVE: {"data": {"state", "paymentState"}}
FILTER_STORE_ID: Final = "filters[storeId]"  # LIVE
FILTER_UPDATED_FROM: Final = "filters[updatedFrom]"  # LIVE
MAX_PAGE_SIZE: Final = "maxPageSize"  # LIVE
NEXT_PAGE_TOKEN: Final = "nextPageToken"  # LIVE: query parameter and answer field
DATA: Final = "data"  # LIVE: the answers' wrapper

# --- Kuper's error bodies (both shapes seen) ----------------------------------------------------
ERRORS: Final = "errors"  # {"errors": [{"type"?, "field", "message"}]}
ERROR_FIELD: Final = "field"
ERROR_MESSAGE: Final = "message"
ERROR: Final = "error"  # {"error": {"type", "detail", "invalid_params": [{"name", "reason"}]}}
ERROR_TYPE: Final = "type"
ERROR_DETAIL: Final = "detail"
ERROR_INVALID_PARAMS: Final = "invalid_params"
ERROR_PARAM_NAME: Final = "name"
ERROR_PARAM_REASON: Final = "reason"
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
