//! The `Payer` extractor: who may use a checkout page. The logged-in user, or a customer
//! who opened a box office pay link in this browser (`remember_link`): the link names
//! the customer's account for paying only (no log-in, no other page), so a customer
//! without a password can pay on the test provider's page and come back to the link.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::identity::CurrentUser;
use crate::error::AppError;

const LINK_USER: &str = "pay_uid";
const LINK_PAGE: &str = "pay_back";

/// Whoever may pay here.
#[derive(Debug, Clone)]
pub struct Payer {
    /// The logged-in user, if any.
    pub user: Option<CurrentUser>,
    /// The customer of a pay link opened in this browser, and the link's page.
    pub link: Option<(i32, String)>,
}

impl Payer {
    /// Whether the checkout of `user_id`'s hold is this payer's to see.
    pub fn may_pay_for(&self, user_id: i32) -> bool {
        self.user.as_ref().is_some_and(|u| u.id == user_id)
            || self.link.as_ref().is_some_and(|(id, _)| *id == user_id)
    }

    /// The account whose payments this payer sees: the logged-in user's, else the link's.
    pub fn user_id(&self) -> Option<i32> {
        self.user
            .as_ref()
            .map(|u| u.id)
            .or(self.link.as_ref().map(|(id, _)| *id))
    }

    /// Where a link payer goes back to (`None` for a logged-in user).
    pub fn link_page(&self) -> Option<&str> {
        match (&self.user, &self.link) {
            (None, Some((_, page))) => Some(page),
            _ => None,
        }
    }
}

/// Remembers in this browser's session that it opened the pay link `page` of `user_id`.
pub fn remember_link(session: &Session, user_id: i32, page: &str) -> Result<(), AppError> {
    session
        .insert(LINK_USER, user_id)
        .and_then(|()| session.insert(LINK_PAGE, page))
        .map_err(|error| AppError::Internal(format!("session insert: {error}")))
}

impl FromRequest for Payer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let session = req.get_session();
        Box::pin(async move {
            let link = match (
                session.get::<i32>(LINK_USER),
                session.get::<String>(LINK_PAGE),
            ) {
                (Ok(Some(id)), Ok(Some(page))) => Some((id, page)),
                _ => None,
            };
            match user.await {
                Ok(user) => Ok(Payer {
                    user: Some(user),
                    link,
                }),
                Err(AppError::LoginRequired { .. }) if link.is_some() => {
                    Ok(Payer { user: None, link })
                }
                Err(error) => Err(error),
            }
        })
    }
}
