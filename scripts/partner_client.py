"""A partner's first steps with a client generated from /api/v1/openapi.json by a stock
generator (openapi-python-client): sign up, log in, make a personal token, browse the
catalogue and hold a seat with it; then, made box office staff by the shop's admin, sell
two seats to a named customer paid at the counter and one by a mailed pay link. Run by
scripts/contract-test.sh against the running shop; exits non-zero (with the answer) on
the first step that does not go as documented.

    python partner_client.py BASE_URL PACKAGE_PARENT_DIR ADMIN_TOKEN
"""

import sys
import uuid

base, parent, admin_token = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, parent)

from boxoffice_client import AuthenticatedClient, Client  # noqa: E402
from boxoffice_client.api.admin import grant_box_office_staff  # noqa: E402
from boxoffice_client.api.bookings import create_booking, get_booking  # noqa: E402
from boxoffice_client.api.box_office import create_sale  # noqa: E402
from boxoffice_client.api.events import get_event, list_events  # noqa: E402
from boxoffice_client.api.tokens import (  # noqa: E402
    create_account,
    create_personal_token,
    create_token,
    list_personal_tokens,
)
from boxoffice_client.models import (  # noqa: E402
    AccountRequest,
    BoxOfficeGrantInput,
    SalePaymentIn,
    SaleRequest,
    BookingRequest,
    PersonalScope,
    PersonalTokenRequest,
    TokenRequest,
)


def expect(response, status):
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


email = f"partner-{uuid.uuid4().hex[:8]}@example.com"
password = "partner password 1"
anonymous = Client(base_url=base, raise_on_unexpected_status=True)

answer = expect(
    create_account.sync_detailed(client=anonymous, body=AccountRequest(email=email, password=password)),
    202,
)
assert answer.status == "check_your_inbox", answer
login = expect(
    create_token.sync_detailed(client=anonymous, body=TokenRequest(email=email, password=password)), 201
)
session = AuthenticatedClient(base_url=base, token=login.token)
made = expect(
    create_personal_token.sync_detailed(
        client=session,
        body=PersonalTokenRequest(name="partner backend", scope=PersonalScope.BUYER, expires_in_days=30),
    ),
    201,
)
listed = expect(list_personal_tokens.sync_detailed(client=session), 200)
assert [t.id for t in listed] == [made.id], listed

partner = AuthenticatedClient(base_url=base, token=made.token)
events = expect(list_events.sync_detailed(client=anonymous), 200)
on_sale = [
    e for e in events.results
    if any(t.sale_status == "on_sale" and t.seats_left > 0 for t in e.ticket_types)
]
assert on_sale, "the demo shop has an event on sale"
event = expect(get_event.sync_detailed(on_sale[0].id, client=anonymous), 200)
ticket_type = next(t for t in event.ticket_types if t.sale_status == "on_sale" and t.seats_left > 0)
booking = expect(
    create_booking.sync_detailed(
        event.id,
        client=partner,
        body=BookingRequest(ticket_type_id=ticket_type.id, quantity=1),
        idempotency_key=str(uuid.uuid4()),
    ),
    201,
)
shown = expect(get_booking.sync_detailed(booking.id, client=partner), 200)
assert shown.status == "reserved", shown.status

# The shop's admin makes the partner box office staff; the partner's till gets a token
# that sells and does nothing else.
admin = AuthenticatedClient(base_url=base, token=admin_token)
expect(
    grant_box_office_staff.sync_detailed(client=admin, body=BoxOfficeGrantInput(email=email, event_id=event.id)),
    201,
)
login = expect(
    create_token.sync_detailed(client=anonymous, body=TokenRequest(email=email, password=password)), 201
)
session = AuthenticatedClient(base_url=base, token=login.token)
till_token = expect(
    create_personal_token.sync_detailed(
        client=session,
        body=PersonalTokenRequest(name="till 1", scope=PersonalScope.BOX_OFFICE, expires_in_days=7),
    ),
    201,
)
till = AuthenticatedClient(base_url=base, token=till_token.token)
customer = f"customer-{uuid.uuid4().hex[:8]}@example.com"
at_counter = expect(
    create_sale.sync_detailed(
        event.id,
        client=till,
        body=SaleRequest(
            ticket_type_id=ticket_type.id,
            quantity=2,
            customer_email=customer,
            customer_name="Ann Customer",
            payment=SalePaymentIn.CASH,
            note="receipt 1",
        ),
        idempotency_key=str(uuid.uuid4()),
    ),
    201,
)
by_link = expect(
    create_sale.sync_detailed(
        event.id,
        client=till,
        body=SaleRequest(
            ticket_type_id=ticket_type.id,
            quantity=1,
            customer_email=f"linked-{uuid.uuid4().hex[:8]}@example.com",
            customer_name="Bo Linked",
            payment=SalePaymentIn.LINK,
            note="",
        ),
        idempotency_key=str(uuid.uuid4()),
    ),
    201,
)
print(
    f"partner client: signed up {email}, personal token {made.id}, held booking {booking.id}, "
    f"sold booking {at_counter.booking_id} at the counter and {by_link.booking_id} by a pay link"
)
