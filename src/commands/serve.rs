//! `serve [--listen 127.0.0.1:8080] [--tls-cert PEM --tls-key PEM]`: the web application and
//! the JSON API on the ledger, for users added with `user add`. HTTPS when given a certificate
//! (any address); plain HTTP on a loopback address only, behind a reverse proxy that terminates
//! TLS (README, "Deploying so that clerks have only the web").

use super::Ctx;
use crate::error::Result;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address to listen on (without a certificate: a loopback address, 127.0.0.1 or ::1).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    // A long-running server frees and takes back memory all day: the allocator hands freed
    // memory back to the system and faults it in again, and a transparent huge page costs
    // 2 MiB zeroed for each such fault where a 4 KiB page costs its own 4 KiB. Where the system
    // does not allow it, the server runs as it is.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let tls = args.tls_cert.clone().zip(args.tls_key.clone());
    crate::web::serve(&crate::web::ServeOptions { db: ctx.db_path(), listen: args.listen, tls })?;
    Ok(0)
}
