//! Signing in and out, the gate every request passes, CSRF and login throttling.

use super::html::{self, Failure};
use super::{AppState, Policy, FORM_LIMIT, UPLOAD_LIMIT};
use crate::model::User;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, MatchedPath, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use tower_sessions::Session;

/// Session keys.
const USER: &str = "user";
const CSRF: &str = "csrf";
pub(super) const NOTICE: &str = "notice";
/// The language chosen for the session (`/settings/language`).
pub(super) const LANG: &str = "lang";

/// The signed-in user of a request, put there by the gate.
#[derive(Clone, Debug)]
pub struct Me {
    pub user: User,
    /// The session's CSRF token (empty for a bearer token, which needs none).
    pub csrf: String,
    /// Signed in by `Authorization: Bearer`, not by the session cookie.
    pub by_token: bool,
    /// The ledger is the demo's.
    pub demo: bool,
}

/// Login attempts allowed per user name and per address: a burst, then one per period.
pub struct Throttle {
    per_user: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Throttle {
    /// `user_burst` attempts per name, then one a minute; `address_burst` per address, then
    /// one every six seconds.
    pub fn new(user_burst: u32, address_burst: u32) -> Throttle {
        let burst = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        Throttle {
            per_user: RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN).allow_burst(burst(user_burst))),
            per_address: RateLimiter::keyed(
                Quota::with_period(std::time::Duration::from_secs(6))
                    .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
                    .allow_burst(burst(address_burst)),
            ),
        }
    }

    /// Whether one more attempt for `name` from `address` may be tried now. Both limits are
    /// counted whether or not the user exists, so the answer says nothing about that.
    fn admit(&self, name: &str, address: Option<IpAddr>) -> bool {
        let by_address = address.is_none_or(|a| self.per_address.check_key(&a).is_ok());
        let by_user = self.per_user.check_key(&name.trim().to_lowercase()).is_ok();
        by_address && by_user
    }
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle::new(5, 20)
    }
}

/// A fresh random token, as hex.
pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness means no safe token: a session without one accepts no form.
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The gate: finds the matched route's policy, the user (bearer token or session), refuses
/// what the policy does not admit (401, 403) and a write without its CSRF token (403), and
/// hands the user to the handler. A route with no policy is refused.
pub async fn gate(State(state): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return html::not_found().await.into_response();
    };
    // HEAD is answered as GET is; a method the path does not take is 405.
    let method =
        if req.method() == axum::http::Method::HEAD { axum::http::Method::GET } else { req.method().clone() };
    let Some(policy) = super::policy_of(&method, &path) else {
        return (StatusCode::METHOD_NOT_ALLOWED, "405").into_response();
    };
    let api = path.starts_with("/api/");
    if req.method() == axum::http::Method::POST && from_another_site(req.headers()) {
        // A form posted from another site (sign-in CSRF included) is refused before anything.
        return Failure::Csrf.respond(api);
    }
    if policy == Policy::Public {
        return next.run(req).await;
    }
    let bearer = bearer(req.headers());
    let me = match identify(&state, &session, bearer).await {
        Ok(Some(me)) => me,
        Ok(None) if api || req.method() != axum::http::Method::GET => {
            return Failure::Unauthorized.respond(api);
        }
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(f) => return f.respond(api),
    };
    let lang = me.user.lang;
    if !policy.admits(me.user.role) {
        return crate::lang::with(lang, || Failure::Forbidden(String::new()).respond(api));
    }
    let mut req = req;
    if req.method() == axum::http::Method::POST && !me.by_token {
        match csrf_checked(req, &me.csrf).await {
            Ok(checked) => req = checked,
            Err(f) => return crate::lang::with(lang, || f.respond(api)),
        }
    }
    req.extensions_mut().insert(me);
    // The handler runs in the user's language, on whichever thread polls it; `blocking`
    // carries it on to the ledger work.
    InLang { lang, inner: Box::pin(next.run(req)) }.await
}

/// Whether the browser says the request comes from another site: `Sec-Fetch-Site` other than
/// same-origin (or none, typed by the user), or an `Origin` naming another host than the
/// request's. Scripts send neither and pass; they prove themselves with a token.
fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    match (text("origin"), text("host")) {
        (Some(origin), Some(host)) if origin != "null" => {
            origin.split_once("://").map(|(_, authority)| authority) != Some(host)
        }
        _ => false,
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// The user behind a bearer token or the session, read afresh from the ledger (a user
/// disabled a moment ago is signed out at once).
async fn identify(
    state: &AppState,
    session: &Session,
    bearer: Option<String>,
) -> Result<Option<Me>, Failure> {
    let db = state.clone();
    if let Some(token) = bearer {
        let user = html::blocking(move || {
            let db = db.identity_snapshot()?;
            Ok(crate::users::user_for_token(&db, &token)?)
        })
        .await?;
        // A wrong token is refused outright: no fallback to the cookie.
        return match user {
            Some(user) => Ok(Some(Me { user, csrf: String::new(), by_token: true, demo: state.0.demo })),
            None => Err(Failure::Unauthorized),
        };
    }
    let name: Option<String> = session.get(USER).await.map_err(Failure::internal)?;
    let Some(name) = name else { return Ok(None) };
    let csrf: String = session.get(CSRF).await.map_err(Failure::internal)?.unwrap_or_default();
    let user = html::blocking(move || Ok(db.identity_snapshot()?.user(&name)?)).await?;
    let lang: Option<String> = session.get(LANG).await.map_err(Failure::internal)?;
    match user.filter(|u| !u.is_disabled()) {
        Some(mut user) => {
            // The language chosen for this session wins over the user's own setting.
            match lang.as_deref() {
                Some("en") => user.lang = crate::lang::Lang::En,
                Some("zh") => user.lang = crate::lang::Lang::Zh,
                _ => {}
            }
            Ok(Some(Me { user, csrf, by_token: false, demo: state.0.demo }))
        }
        None => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a cookie-authenticated write's CSRF token: the `X-CSRF-Token` header, or the form's
/// `csrf` field (urlencoded or multipart). The body is read (within its limit) and put back.
async fn csrf_checked(req: Request, expected: &str) -> Result<Request, Failure> {
    let header = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(given) = header {
        return if same_token(&given, expected) { Ok(req) } else { Err(Failure::Csrf) };
    }
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    let limit = if multipart { UPLOAD_LIMIT } else { FORM_LIMIT };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| Failure::TooLarge)?;
    let given = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<CsrfField>(&bytes).map(|f| f.csrf).unwrap_or_default()
    } else if multipart {
        multipart_csrf(&content_type, bytes.clone()).await
    } else {
        String::new()
    };
    if !same_token(&given, expected) {
        return Err(Failure::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The `csrf` field of a multipart body, if it has one.
async fn multipart_csrf(content_type: &str, bytes: axum::body::Bytes) -> String {
    let Ok(req) = Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(bytes))
    else {
        return String::new();
    };
    let Ok(mut form) = Multipart::from_request(req, &()).await else { return String::new() };
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.unwrap_or_default();
        }
    }
    String::new()
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    /// `en` for the English sign-in page (Chinese otherwise).
    #[serde(default)]
    lang: String,
}

/// The language a sign-in page or attempt asked for.
fn asked_lang(lang: &str) -> crate::lang::Lang {
    if lang == "en" {
        crate::lang::Lang::En
    } else {
        crate::lang::Lang::Zh
    }
}

pub async fn login_page(session: Session, Query(q): Query<LoginQuery>) -> Response {
    let signed_in: Option<String> = session.get(USER).await.ok().flatten();
    if signed_in.is_some() {
        return Redirect::to("/").into_response();
    }
    crate::lang::with(asked_lang(&q.lang), || html::login(None, StatusCode::OK))
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The sign-in page's language, kept for the session.
    #[serde(default)]
    lang: String,
}

/// `POST /login`: throttled per name and per address (429), the password checked with the
/// same work whether or not the user exists, a new session id on success (no fixation).
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let json = wants_json(&headers);
    let lang = asked_lang(&form.lang);
    if !state.0.throttle.admit(&form.username, Some(client_address(peer.ip(), &headers))) {
        if json {
            return Failure::Throttled.respond(true);
        }
        return crate::lang::with(lang, || {
            let message = crate::lang::pick("尝试次数过多，请稍后再试", "too many attempts: try again later");
            html::login(Some(message.to_string()), StatusCode::TOO_MANY_REQUESTS)
        });
    }
    let db = state.clone();
    let name = form.username.trim().to_string();
    let password = form.password;
    let user = html::blocking(move || {
        let db = db.snapshot()?;
        Ok(crate::users::verify_password(&db, &name, &password)?)
    })
    .await;
    let user = match user {
        Ok(Some(user)) => user,
        Ok(None) if json => return Failure::Unauthorized.respond(true),
        Ok(None) => {
            return crate::lang::with(lang, || {
                let message = crate::lang::pick("用户名或密码不正确", "wrong user name or password");
                html::login(Some(message.to_string()), StatusCode::UNAUTHORIZED)
            });
        }
        Err(f) => return f.respond(json),
    };
    // A new session id at sign-in: an id planted before it is worth nothing after.
    let csrf = random_token();
    let started = async {
        session.cycle_id().await?;
        session.insert(USER, &user.name).await?;
        session.insert(CSRF, &csrf).await?;
        if !form.lang.is_empty() {
            session.insert(LANG, if lang == crate::lang::Lang::En { "en" } else { "zh" }).await?;
        }
        Ok::<(), tower_sessions::session::Error>(())
    };
    if let Err(e) = started.await {
        return Failure::internal(e).respond(json);
    }
    if json {
        return axum::Json(
            serde_json::json!({"user": user.name, "role": user.role.code(), "csrf_token": csrf}),
        )
        .into_response();
    }
    Redirect::to("/").into_response()
}

/// The address a sign-in comes from: the peer's, or, when the peer is a reverse proxy on this
/// machine, the address that proxy appended last to `X-Forwarded-For` (a client cannot forge
/// that one: the proxy writes it).
fn client_address(peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !peer.is_loopback() {
        return peer;
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    forwarded.and_then(|f| f.rsplit(',').next()).and_then(|a| a.trim().parse().ok()).unwrap_or(peer)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// `POST /logout`: the session is deleted.
pub async fn logout(session: Session) -> Response {
    let _ = session.flush().await;
    Redirect::to("/login").into_response()
}

/// Takes the one-time notice a write left for the next page.
pub(super) async fn take_notice(session: &Session) -> Option<String> {
    session.remove::<String>(NOTICE).await.ok().flatten()
}

/// Leaves a notice for the next page (after a POST's redirect).
pub(super) async fn leave_notice(session: &Session, notice: String) {
    let _ = session.insert(NOTICE, notice).await;
}

/// A future polled with its language in force on the polling thread.
struct InLang<F> {
    lang: crate::lang::Lang,
    inner: std::pin::Pin<Box<F>>,
}

impl<F: std::future::Future> std::future::Future for InLang<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let lang = self.lang;
        crate::lang::with(lang, || self.inner.as_mut().poll(cx))
    }
}
