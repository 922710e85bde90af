//! A stand-in for Stripe's API on 127.0.0.1, speaking its HTTP protocol: form-encoded
//! requests, JSON answers with every field async-stripe requires, idempotency keys
//! honoured as Stripe does. Tests read what was sent and steer failures.

use std::collections::HashMap;
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
    /// the answer comes a second late: past the shop's time-out.
    SlowAnswer,
}

#[derive(Default)]
struct Book {
    requests: Vec<Recorded>,
    sessions: HashMap<String, Value>,
    by_key: HashMap<String, Value>,
    /// The parameters each idempotency key was first used with.
    params_by_key: HashMap<String, Vec<(String, String)>>,
    next: Vec<Failure>,
    /// Failures for the next requests of any method (retrieves too).
    next_any: Vec<Failure>,
    counter: u32,
}

#[derive(Clone)]
pub struct StripeStandIn {
    pub base: String,
    book: Arc<Mutex<Book>>,
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
        let shared = web::Data::new(book.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .listen(listener)
        .expect("the stand-in listens")
        .run();
        tokio::spawn(server);
        StripeStandIn { base, book }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap()
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

// The book's guard is dropped explicitly before the late answer's sleep; the lint does
// not follow `drop`.
#[allow(clippy::await_holding_lock)]
async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    book: web::Data<Arc<Mutex<Book>>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
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
        if !book.next_any.is_empty() {
            book.next_any.remove(0)
        } else if recorded.method == "POST" && !book.next.is_empty() {
            book.next.remove(0)
        } else {
            Failure::None
        }
    };
    match failure {
        Failure::Hang => std::future::pending::<()>().await,
        Failure::ServerError => {
            return HttpResponse::InternalServerError()
                .json(json!({"error": {"type": "api_error", "message": "stand-in failure"}}));
        }
        Failure::RateLimited => {
            return HttpResponse::TooManyRequests().json(json!({"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests hit the API too quickly."}}));
        }
        Failure::Unauthorized => {
            return HttpResponse::Unauthorized().json(json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}));
        }
        Failure::None | Failure::SlowAnswer => {}
    }
    if recorded.authorization.as_deref() != Some("Bearer sk_test_standin") {
        return HttpResponse::Unauthorized()
            .json(json!({"error": {"type": "invalid_request_error", "message": "bad key"}}));
    }
    let mut book = book.lock().unwrap();
    if let Some(key) = &recorded.idempotency_key
        && let Some(earlier) = book.by_key.get(key)
    {
        // As Stripe: a key reused with other parameters is refused, not replayed (the
        // parameters compare as a set: their order in the body does not matter).
        if book.params_by_key.get(key) != Some(&sorted(&recorded.form)) {
            return HttpResponse::BadRequest().json(json!({"error": {"type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}}));
        }
        return HttpResponse::Ok().json(earlier.clone());
    }
    let field = |name: &str| recorded.field(name).map(str::to_owned);
    let answer = match (recorded.method.as_str(), recorded.path.as_str()) {
        ("POST", "/v1/checkout/sessions") => {
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
                    return HttpResponse::BadRequest().json(
                        json!({"error": {"type": "invalid_request_error", "message": "Only Checkout Sessions with a status of open can be expired."}}),
                    );
                }
            }
        }
        ("GET", path) if path.starts_with("/v1/checkout/sessions/") => {
            let id = path.trim_start_matches("/v1/checkout/sessions/");
            match book.sessions.get(id) {
                Some(session) => session.clone(),
                None => {
                    return HttpResponse::NotFound()
                        .json(json!({"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}));
                }
            }
        }
        ("POST", "/v1/refunds") => {
            book.counter += 1;
            json!({
                "id": format!("re_standin{}", book.counter), "object": "refund", "created": now(),
                "amount": field("amount").and_then(|a| a.parse::<i64>().ok()).unwrap_or(0),
                "currency": "eur", "payment_intent": field("payment_intent"), "status": "succeeded",
            })
        }
        _ => {
            return HttpResponse::NotFound().json(
                json!({"error": {"type": "invalid_request_error", "message": "unknown path"}}),
            );
        }
    };
    if let Some(key) = recorded.idempotency_key {
        book.by_key.insert(key.clone(), answer.clone());
        book.params_by_key.insert(key, sorted(&recorded.form));
    }
    drop(book);
    if failure == Failure::SlowAnswer {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    HttpResponse::Ok().json(answer)
}
