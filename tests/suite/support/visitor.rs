//! A person with a browser: a cookie jar, no automatic redirects, and one method per action.

use reqwest::{Client, Response, redirect::Policy};

pub struct Visitor {
    pub client: Client,
    base: String,
}

/// The value of the first `name="csrf_token"` input on a page.
pub fn csrf_token_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor::with_headers(base, reqwest::header::HeaderMap::new())
    }

    /// A visitor whose every request carries this `X-Forwarded-For` header, as if it came
    /// through proxies (the shop believes only what `TRUSTED_PROXIES` allows).
    pub fn forwarded_for(base: &str, chain: &str) -> Visitor {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_str(chain).expect("a header value"),
        );
        Visitor::with_headers(base, headers)
    }

    /// A visitor whose connections come from `local` (another loopback address, so a
    /// test can play several clients in front of a real proxy), sending `chain` as
    /// `X-Forwarded-For` when given.
    pub fn from_address(base: &str, local: std::net::IpAddr, chain: Option<&str>) -> Visitor {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(chain) = chain {
            headers.insert(
                "x-forwarded-for",
                reqwest::header::HeaderValue::from_str(chain).expect("a header value"),
            );
        }
        Visitor::build(base, headers, Some(local))
    }

    fn with_headers(base: &str, headers: reqwest::header::HeaderMap) -> Visitor {
        Visitor::build(base, headers, None)
    }

    fn build(
        base: &str,
        headers: reqwest::header::HeaderMap,
        local: Option<std::net::IpAddr>,
    ) -> Visitor {
        Visitor {
            client: Client::builder()
                .local_address(local)
                .default_headers(headers)
                .cookie_store(true)
                .redirect(Policy::none())
                // Drop idle connections well before the server's 5 s keep-alive ends, so a
                // slow test never reuses one the server is closing at that very moment.
                .pool_idle_timeout(std::time::Duration::from_secs(1))
                .build()
                .expect("an HTTP client"),
            base: base.to_owned(),
        }
    }

    /// A visitor whose cookie jar starts with `cookie` (`name=value`): a copy of some
    /// browser's cookie, say.
    pub fn with_cookie(base: &str, cookie: &str) -> Visitor {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(cookie, &base.parse::<reqwest::Url>().expect("a base URL"));
        Visitor {
            client: Client::builder()
                .cookie_provider(jar)
                .redirect(Policy::none())
                .pool_idle_timeout(std::time::Duration::from_secs(1))
                .build()
                .expect("an HTTP client"),
            base: base.to_owned(),
        }
    }

    /// The same person (the same cookie jar) talking to another instance at `base`.
    pub fn at(&self, base: &str) -> Visitor {
        Visitor {
            client: self.client.clone(),
            base: base.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The body of a page, asserting it answered 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("a body")
    }

    /// This session's CSRF token (read from the log-in form, which every session can open).
    pub async fn csrf_token(&self) -> String {
        csrf_token_in(&self.page("/login").await).expect("a csrf token on /login")
    }

    /// POSTs a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    /// POSTs a raw body with the form content type and this session's CSRF token
    /// appended (for bodies `post` cannot build: invalid UTF-8, oversized).
    pub async fn post_body(&self, path: &str, body: Vec<u8>) -> Response {
        let token = self.csrf_token().await;
        let mut body = body;
        body.extend_from_slice(format!("&csrf_token={token}").as_bytes());
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post("/register", &[("email", email), ("password", password)])
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> Response {
        self.post("/logout", &[]).await
    }

    pub async fn reserve(&self, event_id: i32, ticket_type_id: i32) -> Response {
        let id = ticket_type_id.to_string();
        self.post(
            &format!("/events/{event_id}/reserve"),
            &[("ticket_type_id", &id)],
        )
        .await
    }

    /// Reserves `quantity` seats (the quantity field as the event page sends it).
    pub async fn reserve_n(&self, event_id: i32, ticket_type_id: i32, quantity: &str) -> Response {
        let id = ticket_type_id.to_string();
        self.post(
            &format!("/events/{event_id}/reserve"),
            &[("ticket_type_id", &id), ("quantity", quantity)],
        )
        .await
    }

    pub async fn pay(&self, booking_id: i32) -> Response {
        self.post(&format!("/bookings/{booking_id}/pay"), &[]).await
    }

    /// Follows an absolute URL of our app (a provider redirect) as a path.
    pub fn path_of(&self, url: &str) -> String {
        url.strip_prefix(&self.base).unwrap_or(url).to_owned()
    }

    /// Cancels a booking as its confirmation page does (`confirm=yes`).
    pub async fn cancel(&self, booking_id: i32) -> Response {
        self.post(
            &format!("/bookings/{booking_id}/cancel"),
            &[("confirm", "yes")],
        )
        .await
    }

    /// Posts the cancel without the confirmation's field (an old form, a stray tap).
    pub async fn cancel_unconfirmed(&self, booking_id: i32) -> Response {
        self.post(&format!("/bookings/{booking_id}/cancel"), &[])
            .await
    }
}

/// The value a response sets for the cookie `name`, if it sets one.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

/// The Location header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
