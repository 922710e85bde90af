//! A JSON API client for the tests: no cookie jar (the API never reads cookies), an
//! optional bearer token, and answers read as (status, headers, JSON).

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{PASSWORD, TestApp};

/// One answer of the API.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem code of an error answer.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }

    pub fn is_problem(&self) -> bool {
        self.header("content-type") == Some("application/problem+json")
    }
}

#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: format!("{base}/api/v1"),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // As the visitor's client: drop idle connections well before the server's
                // 5 s keep-alive ends, so a slow test never reuses one being closed.
                .pool_idle_timeout(std::time::Duration::from_secs(1))
                .build()
                .expect("client"),
            token: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// The same client against another instance's address.
    pub fn at(&self, base: &str) -> Api {
        Api {
            base: format!("{base}/api/v1"),
            ..self.clone()
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.expect("the API answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "status {status}: not JSON: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(reqwest::Method::PATCH, path).json(body))
            .await
    }

    /// A POST with an `Idempotency-Key`.
    pub async fn post_keyed(&self, path: &str, key: &str, body: &Value) -> Reply {
        self.send(
            self.request(reqwest::Method::POST, path)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    /// A POST of raw bytes.
    pub async fn post_bytes(&self, path: &str, key: Option<&str>, body: Vec<u8>) -> Reply {
        let mut builder = self
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            builder = builder.header("Idempotency-Key", key);
        }
        self.send(builder).await
    }

    /// A request of any method with raw bytes and the given `Content-Type` (none: no
    /// header), and an `Idempotency-Key` if given.
    pub async fn send_typed(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        key: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut builder = self.request(method, path).body(body);
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        if let Some(key) = key {
            builder = builder.header("Idempotency-Key", key);
        }
        self.send(builder).await
    }

    /// Logs in and returns a client carrying the new token.
    pub async fn logged_in(&self, email: &str, password: &str) -> Api {
        let reply = self
            .post(
                "/tokens",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(reply.status, 201, "token for {email}: {:?}", reply.json);
        self.with_token(reply.json["token"].as_str().expect("a token"))
    }
}

impl TestApp {
    /// An API client with no token.
    pub fn api(&self) -> Api {
        Api::new(&self.address)
    }

    /// A user created directly in the database (bcrypt cost 4) holding a token.
    pub async fn api_user(&self, email: &str) -> Api {
        let now = self.clock.now();
        let owned = email.to_owned();
        self.with_db(move |conn| {
            use boxoffice::db::models::NewUser;
            let hash = bcrypt::hash(PASSWORD, 4).expect("hash");
            boxoffice::db::users::insert(
                conn,
                &NewUser {
                    email: &owned,
                    password_hash: &hash,
                    is_admin: false,
                    created_at: now,
                },
            )
            .expect("user created");
        })
        .await;
        self.api().logged_in(email, PASSWORD).await
    }

    /// The admin (created as `create-admin` does) holding a token.
    pub async fn api_admin(&self) -> Api {
        let email = "api-admin@example.com";
        let now = self.clock.now();
        self.with_db(move |conn| {
            boxoffice::domain::accounts::account::create_admin(conn, email, PASSWORD, 4, now)
                .expect("admin created");
        })
        .await;
        self.api().logged_in(email, PASSWORD).await
    }
}
