//! The `DoorStaff` extractor: a logged-in user who may keep the door of the event named
//! by the path's `{id}`. Anonymous users are sent to log in; users who are not door
//! staff get 403; door staff of other events get 404 (the event reads as missing).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::identity::CurrentUser;
use crate::app::{AppState, door};
use crate::domain::door::access::Access;
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct DoorStaff {
    pub user: CurrentUser,
    pub event_id: i32,
}

impl FromRequest for DoorStaff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let event_id = req
            .match_info()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let user = user.await?;
            let event_id = event_id.ok_or(AppError::NotFound)?;
            let state =
                state.ok_or_else(|| AppError::Internal("application state missing".into()))?;
            match door::access(&state, user.id, user.is_admin, event_id).await? {
                Access::Allowed => Ok(DoorStaff { user, event_id }),
                Access::OtherEvents => Err(AppError::NotFound),
                Access::NoRole => Err(AppError::Forbidden),
            }
        })
    }
}
