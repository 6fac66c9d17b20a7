//! `serve [--listen 127.0.0.1:8080]`: the web application and the JSON API on the ledger,
//! for users added with `user add`. Plain HTTP on loopback only: off the machine, put a
//! reverse proxy that terminates TLS in front (README, "Deploying the web application").

use super::Ctx;
use crate::error::Result;
use std::net::SocketAddr;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address to listen on: a loopback address (127.0.0.1 or ::1) and a port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    crate::web::serve(&crate::web::ServeOptions { db: ctx.db_path(), listen: args.listen })?;
    Ok(0)
}
