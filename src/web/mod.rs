//! The web application (`fundledger serve`): each user signs in and sees and does only what is
//! theirs (DOMAIN.md §4, 三级联动). Pages are rendered on the server (askama templates under
//! `templates/`, plain forms, POST then redirect, no JavaScript); the JSON API answers in the
//! CLI's JSON shapes (INTERFACE.md "Users and the web application").
//!
//! Authorisation happens twice. Every route is declared once in `routes()` with its `Policy`
//! (which roles may use it at all); the gate (`auth::gate`) refuses a request outside it
//! before the handler runs. Each handler then asks `users::may` about the very county,
//! project or sub-project it touches, filters every row it shows by the user's scope
//! (`scope`), and writes through writers limited to that scope (`EntryWriter::within`), so a
//! clerk's import naming another county's sub-project is refused like any broken rule.
//!
//! Reads open the ledger read-only, per request; writes open it for writing and record the
//! signed-in user as the operator. Sessions live beside the ledger (`session`).

mod api;
mod auth;
mod contracts;
mod html;
mod pages;
mod pool;
mod scope;
mod session;
mod upload;

pub use auth::Throttle;
pub use session::SqliteStore;

use crate::error::{Error, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// The name of the session cookie: `__Host-` binds it to this host, path `/`, Secure.
pub const SESSION_COOKIE: &str = "__Host-fundledger";

/// The largest upload (an import or a body's records), and the largest other request body.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
pub const FORM_LIMIT: usize = 256 * 1024;

/// Which roles may use a route at all. The handler narrows further to the user's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, signed in or not (the sign-in page, the stylesheet).
    Public,
    /// Every signed-in user; the handler shows only what is in their scope.
    SignedIn,
    /// Those who record: the admin and county clerks (in their counties).
    Writers,
    /// Those who may upload records to reconcile a project: admin, clerks, bodies.
    Uploaders,
    /// City-wide reading: the admin and reviewers (the review, the write log, `verify`).
    CityReaders,
    /// City finance only (users).
    Admin,
}

impl Policy {
    pub fn admits(self, role: crate::model::Role) -> bool {
        use crate::model::Role::*;
        match self {
            Policy::Public | Policy::SignedIn => true,
            Policy::Writers => matches!(role, Admin | Clerk),
            Policy::Uploaders => matches!(role, Admin | Clerk | Body),
            Policy::CityReaders => matches!(role, Admin | Reviewer),
            Policy::Admin => role == Admin,
        }
    }
}

/// A route of the application: what it answers and who may ask.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub policy: Policy,
}

const fn r(method: &'static str, path: &'static str, policy: Policy) -> Route {
    Route { method, path, policy }
}

/// Every route with its policy and handler. The router is built from this list only, so a
/// route cannot exist without a policy; the gate refuses any request whose route is not here.
pub fn routes() -> Vec<(Route, MethodRouter<AppState>)> {
    use Policy::*;
    vec![
        (r("GET", "/login", Public), get(auth::login_page)),
        (r("POST", "/login", Public), post(auth::login)),
        (r("GET", "/static/style.css", Public), get(html::stylesheet)),
        (r("POST", "/logout", SignedIn), post(auth::logout)),
        (r("GET", "/", SignedIn), get(pages::dashboard)),
        (r("GET", "/projects", SignedIn), get(pages::projects)),
        (r("GET", "/projects/{code}", SignedIn), get(pages::project)),
        (r("GET", "/entries", SignedIn), get(pages::entries)),
        (r("GET", "/entries/new", Writers), get(pages::entry_form_page)),
        (r("POST", "/entries", Writers), post(pages::post_entry)),
        (r("POST", "/entries/reverse", Writers), post(pages::reverse_entry)),
        (r("GET", "/import", Writers), get(pages::import_page)),
        (r("POST", "/import", Writers), post(pages::import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT))),
        (r("GET", "/import/jobs/{id}", Writers), get(pages::import_job)),
        (r("GET", "/allocate", Writers), get(pages::allocate_plan)),
        (r("POST", "/allocate", Writers), post(pages::allocate_commit)),
        (r("GET", "/contracts/{code}", SignedIn), get(contracts::contract)),
        (r("POST", "/contracts/{code}/pay", Writers), post(contracts::pay)),
        (r("GET", "/approvals", SignedIn), get(contracts::approvals)),
        (r("POST", "/approvals/{id}/approve", Admin), post(contracts::approve)),
        (r("POST", "/approvals/{id}/reject", Admin), post(contracts::reject)),
        (r("GET", "/reports/balances", SignedIn), get(pages::balances)),
        (r("GET", "/reports/statement", SignedIn), get(pages::statement)),
        (r("GET", "/reports/check", SignedIn), get(pages::check)),
        (r("GET", "/reports/review", CityReaders), get(pages::review)),
        (r("GET", "/projects/{code}/reconcile", Uploaders), get(pages::reconcile_page)),
        (
            r("POST", "/projects/{code}/reconcile", Uploaders),
            post(pages::reconcile).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        (r("GET", "/log", CityReaders), get(pages::log)),
        (r("GET", "/verify", CityReaders), get(pages::verify)),
        (r("GET", "/years", Admin), get(pages::years)),
        (r("POST", "/years/close", Admin), post(pages::close_year)),
        (r("POST", "/years/reopen", Admin), post(pages::reopen_year)),
        (r("GET", "/users", Admin), get(pages::users)),
        (r("POST", "/users", Admin), post(pages::add_user)),
        (r("POST", "/users/{name}/disable", Admin), post(pages::disable_user)),
        (r("POST", "/users/{name}/password", Admin), post(pages::set_password)),
        (r("POST", "/settings/language", SignedIn), post(pages::set_language)),
        (r("GET", "/api/session", SignedIn), get(api::session)),
        (r("GET", "/api/balances", SignedIn), get(api::balances)),
        (r("GET", "/api/statement", SignedIn), get(api::statement)),
        (r("GET", "/api/check", SignedIn), get(api::check)),
        (r("GET", "/api/review", CityReaders), get(api::review)),
        (r("POST", "/api/entries", Writers), post(api::post_entry)),
    ]
}

/// The route list without handlers (the authorisation matrix test walks it).
pub fn route_table() -> Vec<Route> {
    routes().into_iter().map(|(r, _)| r).collect()
}

/// The policy of a request's matched route, if it has one. The table is built once, not per
/// request (building it builds every handler's router too).
fn policy_of(method: &Method, path: &str) -> Option<Policy> {
    static TABLE: std::sync::OnceLock<Vec<Route>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(route_table);
    table.iter().find(|r| r.path == path && r.method == method.as_str()).map(|r| r.policy)
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: PathBuf,
    pub throttle: Throttle,
    /// The ledger's connections, kept open between requests.
    pub pool: pool::Pool,
    /// The ledger is the demo's (its pages say so).
    pub demo: bool,
    /// The dashboard's recent findings (`pages::findings_seen`).
    pub findings: std::sync::Mutex<pages::DashboardFindings>,
    /// Imports still running, by job id (the import page follows them).
    pub jobs: std::sync::Mutex<std::collections::HashMap<String, pages::Job>>,
}

impl AppState {
    pub fn new(db: &Path, throttle: Throttle) -> AppState {
        crate::report::entitlements::keep_between_requests();
        AppState(Arc::new(Shared {
            db: db.to_path_buf(),
            throttle,
            pool: pool::Pool::new(db),
            demo: crate::db::Db::open_snapshot(db)
                .and_then(|d| d.meta("origin"))
                .is_ok_and(|origin| origin.as_deref() == Some("demo")),
            findings: Default::default(),
            jobs: Default::default(),
        }))
    }

    pub fn db(&self) -> &Path {
        &self.0.db
    }

    /// A read of the ledger: one read-only snapshot.
    pub fn snapshot(&self) -> Result<pool::Reader<'_>, html::Failure> {
        self.0.pool.snapshot()
    }

    /// A read of who is asking (a user by session or token), on readers of its own: it never
    /// waits behind the pages' reads.
    pub fn identity_snapshot(&self) -> Result<pool::Reader<'_>, html::Failure> {
        self.0.pool.identity_snapshot()
    }

    /// The ledger's writer connection, one write at a time.
    pub fn writer(&self) -> Result<pool::Writer<'_>, html::Failure> {
        self.0.pool.writer()
    }
}

/// The whole application: routes, the gate, sessions and the security headers.
pub fn app(state: AppState, store: SqliteStore) -> Router {
    use tower_sessions::cookie::SameSite;
    use tower_sessions::{Expiry, SessionManagerLayer};
    let mut router = Router::new();
    for (route, handler) in routes() {
        router = router.route(route.path, handler);
    }
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)));
    let header = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    router
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::gate))
        .fallback(html::not_found)
        .with_state(state)
        .layer(sessions)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(UPLOAD_LIMIT + 64 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, std::time::Duration::from_secs(120)))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// How `serve` runs.
pub struct ServeOptions {
    pub db: PathBuf,
    pub listen: SocketAddr,
    /// HTTPS: a PEM certificate chain and its private key. Without them, plain HTTP on a
    /// loopback address only.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Serves the application until interrupted.
pub fn serve(options: &ServeOptions) -> Result<()> {
    if options.tls.is_none() && !options.listen.ip().is_loopback() {
        let listen = options.listen;
        let message = crate::tr!(
            "{listen} 不是本机回环地址：不加 --tls-cert/--tls-key 时只在 127.0.0.1 上提供 HTTP（或由前置的反向代理负责 HTTPS）",
            "{listen} is not a loopback address: without --tls-cert/--tls-key, plain HTTP is served on 127.0.0.1 only (or put a reverse proxy that terminates HTTPS in front)"
        );
        let problem = crate::error::Problem::new(crate::error::Check::Access, message).column("--listen");
        return Err(Error::BadRequest(vec![problem]));
    }
    // Refuse a ledger that is missing or not a ledger before listening.
    crate::db::Db::open_snapshot(&options.db)?;
    let store = SqliteStore::open(&session::path_for(&options.db))?;
    let state = AppState::new(&options.db, Throttle::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the server: {e}")))?;
    let app = app(state, store).into_make_service_with_connect_info::<SocketAddr>();
    let listen = options.listen;
    let cannot_listen = |e: std::io::Error| {
        Error::Internal(crate::tr!("无法监听 {listen}：{e}", "cannot listen on {listen}: {e}"))
    };
    runtime.block_on(async {
        let listener = std::net::TcpListener::bind(listen).map_err(cannot_listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let Some((cert, key)) = &options.tls else {
            eprintln!(
                "{}",
                crate::tr!(
                    "fundledger 已在 http://{addr}/ 上提供服务（Ctrl-C 停止）",
                    "fundledger is serving http://{addr}/ (Ctrl-C stops it)"
                )
            );
            let listener = tokio::net::TcpListener::from_std(listener)?;
            return axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| Error::Internal(format!("the server stopped: {e}")));
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
            let (cert, key) = (crate::error::shown_path(cert), crate::error::shown_path(key));
            let message = crate::tr!(
                "无法读取证书 {cert} 或私钥 {key}（须为 PEM 格式）：{e}",
                "cannot read the certificate {cert} or the key {key} (PEM): {e}"
            );
            Error::BadRequest(vec![
                crate::error::Problem::new(crate::error::Check::File, message).column("--tls-cert")
            ])
        })?;
        eprintln!(
            "{}",
            crate::tr!(
                "fundledger 已在 https://{addr}/ 上提供服务（Ctrl-C 停止）",
                "fundledger is serving https://{addr}/ (Ctrl-C stops it)"
            )
        );
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        axum_server::from_tcp_rustls(listener, config)
            .handle(handle)
            .serve(app)
            .await
            .map_err(|e| Error::Internal(format!("the server stopped: {e}")))
    })
}
