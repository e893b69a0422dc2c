//! What programs used of 0.10's `net` module: the response type-state markers,
//! `HttpListener`, TLS for servers (`SslServer`, `HttpsListener`, and [`TlsServer`],
//! rustls, in place of an OpenSSL or native-tls crate) and the client's connectors
//! (`NetworkConnector`, `HttpConnector`, `HttpsConnector`, `SslClient`, [`TlsClient`]).

use core::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

/// A response whose head has not been written: status and headers can change.
#[derive(Debug)]
pub enum Fresh {}

/// A response whose head has been written: the body can be written.
#[derive(Debug)]
pub enum Streaming {}

pub use crate::server::HttpListener;

/// What [`Server::https`](crate::server::Server::https) takes: a TLS server configuration.
///
/// 0.10's trait wrapped each accepted stream itself (`wrap_server`); here the event loop
/// runs the handshake, so an implementation only gives the rustls configuration.
/// Implemented by [`TlsServer`] and by `Arc<rustls::ServerConfig>`.
pub trait SslServer {
    /// The configuration every connection's session starts from.
    fn server_config(&self) -> Arc<rustls::ServerConfig>;
}

impl SslServer for Arc<rustls::ServerConfig> {
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(self)
    }
}

/// A rustls server configuration for HTTP/1.1 (ALPN `http/1.1`), under the name the
/// hyper-rustls crate of the 0.10 days gave it.
///
/// # Examples
///
/// ```no_run
/// use hypersync::net::TlsServer;
/// use hypersync::Server;
///
/// let ssl = TlsServer::from_pem_files("cert.pem", "key.pem")?;
/// let server = Server::https("127.0.0.1:8443", ssl)?;
/// # Ok::<(), hypersync::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TlsServer {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServer {
    /// A server with this rustls configuration (its ALPN list is used as given).
    pub fn new(config: Arc<rustls::ServerConfig>) -> TlsServer {
        TlsServer { config }
    }

    /// A server from PEM text: the certificate chain (leaf first) and its private key
    /// (PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    ///
    /// The PEM holds no certificate or no key, or rustls refuses them.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> crate::Result<TlsServer> {
        Ok(TlsServer::new(hyper_net::tls::server_config_from_pem(
            cert_chain, key,
        )?))
    }

    /// [`TlsServer::from_pem`] with the PEM read from two files.
    ///
    /// # Errors
    ///
    /// A file cannot be read (the error names it), or as [`TlsServer::from_pem`].
    pub fn from_pem_files<C: AsRef<Path>, K: AsRef<Path>>(
        cert_chain: C,
        key: K,
    ) -> crate::Result<TlsServer> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display()))
            })
        };
        TlsServer::from_pem(&read(cert_chain.as_ref())?, &read(key.as_ref())?)
    }
}

impl SslServer for TlsServer {
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(&self.config)
    }
}

/// The listener type of an HTTPS server: `Server<HttpsListener<S>>` is what
/// [`Server::https`](crate::server::Server::https) returns, as in 0.10.
#[derive(Debug)]
pub struct HttpsListener<S> {
    _ssl: PhantomData<S>,
}

/// What [`Client::with_connector`](crate::Client::with_connector) takes.
///
/// 0.10's connectors opened each connection; here the client opens them itself and
/// speaks `https://` with rustls, so a connector only chooses the TLS configuration.
pub trait NetworkConnector {
    /// The TLS configuration for `https://` URLs; `None`: the client's default
    /// (Mozilla's roots).
    fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>>;
}

/// The plain connector (0.10's default). `https://` URLs still work, with Mozilla's roots.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpConnector;

impl NetworkConnector for HttpConnector {
    fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        None
    }
}

/// What [`HttpsConnector::new`] takes: a TLS client configuration. Implemented by
/// [`TlsClient`] and by `Arc<rustls::ClientConfig>`.
pub trait SslClient {
    /// The configuration every `https://` connection starts from.
    fn client_config(&self) -> Arc<rustls::ClientConfig>;
}

impl SslClient for Arc<rustls::ClientConfig> {
    fn client_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(self)
    }
}

/// A rustls client configuration (hyper-rustls's old name): Mozilla's roots and ALPN
/// `http/1.1` from [`TlsClient::new`], or any configuration.
///
/// # Examples
///
/// ```
/// use hypersync::net::{HttpsConnector, TlsClient};
/// use hypersync::Client;
///
/// let client = Client::with_connector(HttpsConnector::new(TlsClient::new()));
/// ```
#[derive(Clone, Debug)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
}

impl Default for TlsClient {
    fn default() -> TlsClient {
        TlsClient::new()
    }
}

impl TlsClient {
    /// Mozilla's root certificates (the `webpki-roots` crate), ALPN `http/1.1`.
    pub fn new() -> TlsClient {
        TlsClient::with_config(hyper_net::tls::default_client_config())
    }

    /// This rustls configuration (for other roots: `client::tls_config_with_extra_roots`;
    /// for a client certificate: `client::ClientTls`).
    pub fn with_config(config: Arc<rustls::ClientConfig>) -> TlsClient {
        TlsClient { config }
    }
}

impl SslClient for TlsClient {
    fn client_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.config)
    }
}

/// The TLS connector: `Client::with_connector(HttpsConnector::new(ssl))`, as in 0.10.
#[derive(Clone, Debug)]
pub struct HttpsConnector<S> {
    ssl: S,
}

impl<S: SslClient> HttpsConnector<S> {
    /// A connector whose `https://` connections use `ssl`'s configuration.
    pub fn new(ssl: S) -> HttpsConnector<S> {
        HttpsConnector { ssl }
    }
}

impl<S: SslClient> NetworkConnector for HttpsConnector<S> {
    fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        Some(self.ssl.client_config())
    }
}
