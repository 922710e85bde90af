//! A partner's webhook endpoint for the tests: a real HTTP server on a free port that
//! keeps every request it gets and answers with the statuses it is told to (then 200),
//! and the helpers that drive the shop's deliverer, add an endpoint and read the feed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use boxoffice::app::webhooks::deliverer::{self, Round};
use serde_json::{Value, json};

use super::TestApp;
use super::api::Api;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub signature: String,
    pub event_id: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    /// Statuses to answer with, in turn; 200 once they run out.
    answers: VecDeque<u16>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let shared = web::Data::from(inbox.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .expect("the receiver listens")
        .run();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/boxoffice"),
            inbox,
        }
    }

    /// The next requests get these statuses (then 200 again).
    pub fn answer_with(&self, statuses: &[u16]) {
        self.inbox.lock().unwrap().answers.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().received.clone()
    }

    /// The bodies received, as JSON.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.received().iter().map(Received::json).collect()
    }
}

async fn receive(
    inbox: web::Data<Mutex<Inbox>>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut inbox = inbox.lock().unwrap();
    inbox.received.push(Received {
        signature: header("boxoffice-signature"),
        event_id: header("boxoffice-event-id"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let status = inbox.answers.pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .body(format!("receiver answered {status}"))
}

impl TestApp {
    /// Runs the webhooks' deliverer until nothing is due; what it did in all.
    pub async fn deliver_webhooks(&self) -> Round {
        let mut total = Round::default();
        for _ in 0..100 {
            let round = deliverer::deliver_once(&self.state).await;
            total.claimed += round.claimed;
            total.delivered += round.delivered;
            total.retrying += round.retrying;
            total.failed += round.failed;
            total.disabled += round.disabled;
            if round.claimed == 0 {
                break;
            }
        }
        total
    }
}

/// Adds an endpoint over the API; its id and secret.
pub async fn add_endpoint(admin: &Api, url: &str, types: &[&str]) -> (i64, String) {
    let created = admin
        .post(
            "/admin/webhook-endpoints",
            &json!({"url": url, "description": "Partner", "event_types": types}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/admin/webhook-endpoints/{id}").as_str())
    );
    (id, created.json["secret"].as_str().unwrap().to_owned())
}

/// The whole feed, `limit` events a page, checking the cursor as it goes.
pub async fn read_feed(admin: &Api, limit: i64) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = admin
            .get(&format!("/events-feed?after={after}&limit={limit}"))
            .await;
        assert_eq!(page.status, 200, "{:?}", page.json);
        let got = page.json["events"].as_array().unwrap().clone();
        if got.is_empty() {
            assert_eq!(page.json["next_after"], after);
            assert_eq!(page.json["last_position"], after);
            return events;
        }
        after = page.json["next_after"].as_i64().unwrap();
        assert_eq!(got.last().unwrap()["position"], after);
        events.extend(got);
    }
}
