//! A stand-in for Stripe's API on 127.0.0.1, speaking its HTTP protocol: form-encoded
//! requests, JSON answers with every field async-stripe requires, idempotency keys
//! honoured as Stripe does. Tests read what was sent and steer failures.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// One request as Stripe would have received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the next creating call should meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    None,
    ServerError,
    Hang,
    /// 429 `rate_limit`, as Stripe answers a client over its rate limit.
    RateLimited,
    /// 401, as after a key rotation.
    Unauthorized,
    /// The request is carried out (and its answer stored under its idempotency key), but
    /// the answer comes 2.5 s late: past the shop's time-out.
    SlowAnswer,
    /// The request is held, its key in flight, until the test calls `release_held`; a
    /// request with the same key meanwhile is answered 409, as Stripe does.
    Held,
}

#[derive(Default)]
struct Book {
    requests: Vec<Recorded>,
    sessions: HashMap<String, Value>,
    /// The answer (status and body) stored under each idempotency key: successes and
    /// 5xx failures alike, replayed for any later request with that key.
    by_key: HashMap<String, (u16, Value)>,
    /// Keys whose first request has not been answered yet.
    in_flight: HashSet<String>,
    /// 409 answers given so far (a request whose key was in flight).
    conflicts: u32,
    refunds: Vec<Value>,
    /// New refunds start `pending` (as bank debits and some cards do) instead of
    /// `succeeded`; the test settles them with `settle_refund`.
    refunds_pending: bool,
    /// The parameters each idempotency key was first used with.
    params_by_key: HashMap<String, Vec<(String, String)>>,
    next: Vec<Failure>,
    /// Failures for the next requests of any method (retrieves too).
    next_any: Vec<Failure>,
    /// Every request hangs (an outage that answers nothing) until turned off.
    hang_all: bool,
    counter: u32,
}

#[derive(Clone)]
pub struct StripeStandIn {
    pub base: String,
    book: Arc<Mutex<Book>>,
    release: Arc<tokio::sync::Notify>,
}

fn sorted(form: &[(String, String)]) -> Vec<(String, String)> {
    let mut form = form.to_vec();
    form.sort();
    form
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl StripeStandIn {
    pub async fn start() -> StripeStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the stand-in");
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let book = Arc::new(Mutex::new(Book::default()));
        let release = Arc::new(tokio::sync::Notify::new());
        let shared = web::Data::new(book.clone());
        let held = web::Data::new(release.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(held.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .listen(listener)
        .expect("the stand-in listens")
        .run();
        tokio::spawn(server);
        StripeStandIn {
            base,
            book,
            release,
        }
    }

    /// Lets a `Failure::Held` request go on.
    pub fn release_held(&self) {
        self.release.notify_one();
    }

    /// From now on, refunds are created `pending` and settled by `settle_refund`.
    pub fn refunds_pending(&self) {
        self.book().refunds_pending = true;
    }

    /// Stripe settles a refund (`succeeded`, `failed`, `canceled`): returns the Refund
    /// object for the event that reports it.
    pub fn settle_refund(&self, refund_id: &str, status: &str) -> Value {
        let mut book = self.book();
        let refund = book
            .refunds
            .iter_mut()
            .find(|r| r["id"] == refund_id)
            .expect("a known refund");
        refund["status"] = json!(status);
        if status == "failed" {
            refund["failure_reason"] = json!("expired_or_canceled_card");
        }
        refund.clone()
    }

    /// Every refund, as Stripe's Refunds API lists them.
    pub fn refunds(&self) -> Vec<Value> {
        self.book().refunds.clone()
    }

    /// A refund made in Stripe's dashboard (no key, no metadata of ours).
    pub fn dashboard_refund(&self, payment_intent: &str, amount: i64) -> Value {
        let mut book = self.book();
        book.counter += 1;
        let refund = json!({
            "id": format!("re_dashboard{}", book.counter), "object": "refund", "created": now(),
            "amount": amount, "currency": "eur", "payment_intent": payment_intent,
            "status": "succeeded", "metadata": {},
        });
        book.refunds.push(refund.clone());
        refund
    }

    /// The ids of every session created so far.
    pub fn session_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.book().sessions.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// How many requests Stripe is still working on (their keys in flight).
    pub fn in_flight(&self) -> usize {
        self.book().in_flight.len()
    }

    /// How many requests were answered 409 because their key was in flight.
    pub fn conflicts(&self) -> u32 {
        self.book().conflicts
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap()
    }

    /// From now on every request hangs unanswered (`true`), or none does (`false`): Stripe
    /// down behind a load balancer that still accepts connections. Each hanging request
    /// is recorded first, so `requests` counts the calls in flight.
    pub fn hang_all(&self, on: bool) {
        self.book().hang_all = on;
    }

    /// Makes the next requests of any method (a retrieve, say) fail in these ways.
    pub fn fail_next_requests(&self, failures: &[Failure]) {
        self.book().next_any.extend_from_slice(failures);
    }

    /// Makes the next creating calls (sessions, refunds) fail in these ways, in order.
    pub fn fail_next(&self, failures: &[Failure]) {
        self.book().next.extend_from_slice(failures);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.book().requests.clone()
    }

    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    pub fn session(&self, id: &str) -> Value {
        self.book().sessions[id].clone()
    }

    /// The customer pays on Stripe's page: the session completes.
    pub fn complete(&self, session_id: &str) -> Value {
        self.update(session_id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!("paid");
            s["payment_intent"] = json!(format!("pi_{}", &session_id[3..]));
        })
    }

    /// The customer chose a delayed method (a bank debit): the session completes, the
    /// money is not there yet.
    pub fn complete_unpaid(&self, session_id: &str) -> Value {
        self.update(session_id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!("unpaid");
            s["payment_intent"] = json!(format!("pi_{}", &session_id[3..]));
        })
    }

    /// The delayed payment arrived (`checkout.session.async_payment_succeeded`).
    pub fn async_paid(&self, session_id: &str) -> Value {
        self.update(session_id, |s| s["payment_status"] = json!("paid"))
    }

    /// Stripe changes a session (an expiry, or a tampered amount for a test).
    pub fn update(&self, session_id: &str, change: impl FnOnce(&mut Value)) -> Value {
        let mut book = self.book();
        let session = book.sessions.get_mut(session_id).expect("a known session");
        change(session);
        session.clone()
    }

    /// A signed webhook body for an event about `object`.
    pub fn event(id: &str, event_type: &str, object: &Value) -> String {
        json!({"id": id, "object": "event", "type": event_type, "created": now(), "data": {"object": object}}).to_string()
    }
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    book: web::Data<Arc<Mutex<Book>>>,
    release: web::Data<Arc<tokio::sync::Notify>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if req.method() == actix_web::http::Method::GET {
        form = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    }
    let recorded = Recorded {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        form: form.clone(),
    };
    let failure = {
        let mut book = book.lock().unwrap();
        book.requests.push(recorded.clone());
        if book.hang_all {
            Failure::Hang
        } else if !book.next_any.is_empty() {
            book.next_any.remove(0)
        } else if recorded.method == "POST" && !book.next.is_empty() {
            book.next.remove(0)
        } else {
            Failure::None
        }
    };
    if recorded.authorization.as_deref() != Some("Bearer sk_test_standin")
        && failure != Failure::Unauthorized
    {
        return HttpResponse::Unauthorized()
            .json(json!({"error": {"type": "invalid_request_error", "message": "bad key"}}));
    }
    if failure == Failure::Hang {
        // Lost on the way: Stripe never sees it, so its key is not in flight.
        std::future::pending::<()>().await;
    }
    let key = recorded.idempotency_key.clone();
    {
        let mut book = book.lock().unwrap();
        if let Some(key) = &key {
            // As Stripe: a key still being handled is answered 409; a key reused with
            // other parameters is refused, not replayed (the parameters compare as a set:
            // their order in the body does not matter); otherwise the first answer, a 5xx
            // included, is replayed.
            if book.in_flight.contains(key) {
                book.conflicts += 1;
                return HttpResponse::Conflict().json(json!({"error": {"type": "idempotency_error",
                    "message": "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later."}}));
            }
            if let Some((status, earlier)) = book.by_key.get(key) {
                if book.params_by_key.get(key) != Some(&sorted(&recorded.form)) {
                    return HttpResponse::BadRequest().json(json!({"error": {"type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}}));
                }
                let status = actix_web::http::StatusCode::from_u16(*status).unwrap();
                return HttpResponse::build(status)
                    .insert_header(("Idempotent-Replayed", "true"))
                    .json(earlier.clone());
            }
            book.in_flight.insert(key.clone());
        }
    }
    let keep = |status: u16, answer: &Value| {
        let mut book = book.lock().unwrap();
        if let Some(key) = &key {
            book.in_flight.remove(key);
            book.by_key.insert(key.clone(), (status, answer.clone()));
            book.params_by_key
                .insert(key.clone(), sorted(&recorded.form));
        }
    };
    let forget = || {
        if let Some(key) = &key {
            book.lock().unwrap().in_flight.remove(key);
        }
    };
    match failure {
        Failure::Held => release.notified().await,
        Failure::ServerError => {
            // Stripe keeps a 5xx under its key and replays it for 24 hours.
            let answer = json!({"error": {"type": "api_error", "message": "stand-in failure"}});
            keep(500, &answer);
            return HttpResponse::InternalServerError().json(answer);
        }
        Failure::RateLimited => {
            // Refused before the request ran: nothing is kept under the key.
            forget();
            return HttpResponse::TooManyRequests().json(json!({"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests hit the API too quickly."}}));
        }
        Failure::Unauthorized => {
            forget();
            return HttpResponse::Unauthorized().json(json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}));
        }
        Failure::None | Failure::SlowAnswer | Failure::Hang => {}
    }
    let answer = {
        let mut book = book.lock().unwrap();
        answer_for(&mut book, &recorded)
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(refused) => {
            // A request refused before it ran keeps nothing under its key.
            forget();
            return refused;
        }
    };
    if failure == Failure::SlowAnswer {
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    }
    keep(200, &answer);
    HttpResponse::Ok().json(answer)
}

fn invalid(message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"error": {"type": "invalid_request_error", "message": message}}))
}

/// What Stripe answers a request that passed authentication and idempotency (an error
/// answer is built once per refused test request: its size does not matter here).
#[allow(clippy::result_large_err)]
fn answer_for(book: &mut Book, recorded: &Recorded) -> Result<Value, HttpResponse> {
    let form = &recorded.form;
    let field = |name: &str| recorded.field(name).map(str::to_owned);
    let answer = match (recorded.method.as_str(), recorded.path.as_str()) {
        ("POST", "/v1/checkout/sessions") => {
            // As Stripe, against its own clock: 30 minutes to 24 hours from creation.
            if let Some(expires_at) = field("expires_at") {
                let Ok(at) = expires_at.parse::<i64>() else {
                    return Err(invalid("Invalid integer: expires_at"));
                };
                if at < now() + 30 * 60 {
                    return Err(invalid(
                        "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                    ));
                }
                if at > now() + 24 * 60 * 60 {
                    return Err(invalid(
                        "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                    ));
                }
            }
            book.counter += 1;
            let id = format!("cs_test_standin{}", book.counter);
            let metadata: serde_json::Map<String, Value> = form
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("metadata[")
                        .and_then(|k| k.strip_suffix(']'))
                        .map(|k| (k.to_owned(), json!(v)))
                })
                .collect();
            // Stripe's total: the unit amount × the quantity of the one line item.
            let unit: i64 = field("line_items[0][price_data][unit_amount]")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let quantity: i64 = field("line_items[0][quantity]")
                .and_then(|q| q.parse().ok())
                .unwrap_or(1);
            let amount = unit * quantity;
            let session = json!({
                "id": id, "object": "checkout.session", "created": now(),
                "expires_at": field("expires_at").and_then(|e| e.parse::<i64>().ok()).unwrap_or(now() + 1800),
                "livemode": false, "mode": "payment", "payment_status": "unpaid", "status": "open",
                "automatic_tax": {"enabled": false}, "custom_fields": [], "custom_text": {},
                "payment_method_types": ["card"], "shipping_options": [],
                "amount_total": amount, "currency": field("line_items[0][price_data][currency]"),
                "client_reference_id": field("client_reference_id"), "customer_email": field("customer_email"),
                "metadata": metadata, "payment_intent": null,
                "success_url": field("success_url"), "cancel_url": field("cancel_url"),
                "url": format!("https://checkout.stripe.test/c/pay/{id}"),
            });
            book.sessions.insert(id, session.clone());
            session
        }
        ("POST", path)
            if path.starts_with("/v1/checkout/sessions/") && path.ends_with("/expire") =>
        {
            let id = path
                .trim_start_matches("/v1/checkout/sessions/")
                .trim_end_matches("/expire");
            match book.sessions.get_mut(id) {
                Some(session) if session["status"] == "open" => {
                    session["status"] = json!("expired");
                    session.clone()
                }
                _ => {
                    return Err(invalid(
                        "Only Checkout Sessions with a status of open can be expired.",
                    ));
                }
            }
        }
        ("GET", path) if path.starts_with("/v1/checkout/sessions/") => {
            let id = path.trim_start_matches("/v1/checkout/sessions/");
            match book.sessions.get(id) {
                Some(session) => session.clone(),
                None => {
                    return Err(HttpResponse::NotFound()
                        .json(json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such checkout.session"}})));
                }
            }
        }
        ("POST", "/v1/refunds") => {
            let payment_intent = field("payment_intent");
            let amount = field("amount")
                .and_then(|a| a.parse::<i64>().ok())
                .unwrap_or(0);
            let refunded: i64 = book
                .refunds
                .iter()
                .filter(|r| r["payment_intent"].as_str() == payment_intent.as_deref())
                .filter(|r| r["status"] != "failed" && r["status"] != "canceled")
                .map(|r| r["amount"].as_i64().unwrap_or(0))
                .sum();
            // As Stripe: never more back than the charge took.
            let charged = book
                .sessions
                .values()
                .find(|s| s["payment_intent"].as_str() == payment_intent.as_deref())
                .and_then(|s| s["amount_total"].as_i64());
            let Some(charged) = charged else {
                return Err(HttpResponse::NotFound().json(json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such payment_intent"}})));
            };
            if refunded + amount > charged {
                return Err(HttpResponse::BadRequest().json(json!({"error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "Charge has already been refunded."}})));
            }
            book.counter += 1;
            let metadata: serde_json::Map<String, Value> = form
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("metadata[")
                        .and_then(|k| k.strip_suffix(']'))
                        .map(|k| (k.to_owned(), json!(v)))
                })
                .collect();
            let status = if book.refunds_pending {
                "pending"
            } else {
                "succeeded"
            };
            let refund = json!({
                "id": format!("re_standin{}", book.counter), "object": "refund", "created": now(),
                "amount": amount, "currency": "eur", "payment_intent": payment_intent,
                "status": status, "metadata": metadata,
            });
            book.refunds.push(refund.clone());
            refund
        }
        ("GET", "/v1/refunds") => {
            let payment_intent = field("payment_intent");
            let data: Vec<Value> = book
                .refunds
                .iter()
                .filter(|r| {
                    payment_intent.is_none()
                        || r["payment_intent"].as_str() == payment_intent.as_deref()
                })
                .rev()
                .cloned()
                .collect();
            json!({"object": "list", "url": "/v1/refunds", "has_more": false, "data": data})
        }
        ("GET", path) if path.starts_with("/v1/refunds/") => {
            let id = path.trim_start_matches("/v1/refunds/");
            match book.refunds.iter().find(|r| r["id"] == id) {
                Some(refund) => refund.clone(),
                None => {
                    return Err(HttpResponse::NotFound().json(json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such refund"}})));
                }
            }
        }
        _ => {
            return Err(HttpResponse::NotFound().json(
                json!({"error": {"type": "invalid_request_error", "message": "unknown path"}}),
            ));
        }
    };
    Ok(answer)
}
