//! The binding suite's app on actix-web, and two ways to send it requests:
//! in process (actix's test service, on an actix system thread of its own,
//! since actix services are not `Send`) and over a real TCP socket
//! (`HttpServer`, reached through keyway-testkit's [`OverTcp`]).
#![allow(dead_code)]

use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, web};
use bytes::Bytes;
use http::{Request, Response, header};
use keyway_actix_web::{CurrentUser, OptionalSession, RequireSession};
use keyway_core::Auth;
use keyway_testkit::binding::{ANONYMOUS, BindingUnderTest, OverTcp, PUBLIC};
use tokio::sync::{mpsc, oneshot};

/// The suite's routes on `app`.
pub fn with_suite_routes<T>(app: App<T>) -> App<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.route(
        "/protected",
        web::get().to(|s: RequireSession| async move { s.user.email.clone().unwrap_or_default() }),
    )
    .route(
        "/whoami",
        web::get().to(|s: OptionalSession| async move {
            s.user()
                .and_then(|u| u.email.clone())
                .unwrap_or_else(|| ANONYMOUS.to_owned())
        }),
    )
    .route(
        "/me",
        web::get().to(|u: CurrentUser| async move { u.name.clone().unwrap_or_default() }),
    )
    .route(
        "/user-id",
        web::get().to(|s: RequireSession| async move {
            let id = s.user_id().unwrap_or_default().to_owned();
            match &s.session_token {
                Some(token) => format!("{id} {}", token.as_str()),
                None => id,
            }
        }),
    )
    .route("/public", web::get().to(|| async { PUBLIC }))
}

/// The suite's app with `keyway_actix_web::app`.
pub fn app(
    auth: Auth,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    with_suite_routes(keyway_actix_web::app(auth))
}

type MakeRequest = Box<dyn FnOnce() -> actix_http::Request + Send>;

/// An actix app served in process on a thread of its own (an actix
/// system), reached through a channel: the suite's requests go in, the
/// app's responses come back.
pub struct InProcess {
    jobs: Option<mpsc::UnboundedSender<(MakeRequest, oneshot::Sender<Response<Bytes>>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// Builds the app with `make(auth)` on its own thread and serves it
    /// there until dropped.
    pub fn new<F, T, B>(auth: Auth, make: F) -> Self
    where
        F: FnOnce(Auth) -> App<T> + Send + 'static,
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = actix_web::Error,
                InitError = (),
            > + 'static,
        B: MessageBody + 'static,
    {
        let (jobs, mut queue) =
            mpsc::unbounded_channel::<(MakeRequest, oneshot::Sender<Response<Bytes>>)>();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Rc::new(actix_web::test::init_service(make(auth)).await);
                while let Some((request, reply)) = queue.recv().await {
                    let app = Rc::clone(&app);
                    actix_web::rt::spawn(async move {
                        let _ = reply.send(call(&*app, request()).await);
                    });
                }
            });
        });
        Self {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// Sends a request built on the app's thread (so it may hold what is
    /// not `Send`, a streamed body say).
    pub async fn send_built(
        &self,
        request: impl FnOnce() -> actix_http::Request + Send + 'static,
    ) -> Response<Bytes> {
        let (reply, answer) = oneshot::channel();
        let jobs = self.jobs.as_ref().expect("the app runs until dropped");
        jobs.send((Box::new(request), reply))
            .expect("the app's thread is running");
        answer.await.expect("the app answered")
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        // Closing the channel ends the system; wait for its thread.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The suite's request as an actix test request.
fn to_actix(request: Request<Bytes>) -> actix_http::Request {
    let (parts, body) = request.into_parts();
    let method = actix_web::http::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut test = actix_web::test::TestRequest::default()
        .method(method)
        .uri(&parts.uri.to_string());
    if !body.is_empty() {
        // Sets Content-Length to the body's length...
        test = test.set_payload(body);
    }
    for (name, value) in &parts.headers {
        test = if name == header::CONTENT_LENGTH {
            // ... unless the request says otherwise.
            test.insert_header((name.as_str(), value.as_bytes()))
        } else {
            test.append_header((name.as_str(), value.as_bytes()))
        };
    }
    test.to_request()
}

/// Calls the app; an error is answered as actix answers it.
async fn call<S, B>(app: &S, request: actix_http::Request) -> Response<Bytes>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let response = match app.call(request).await {
        Ok(response) => response.map_into_boxed_body().into_parts().1,
        Err(e) => e.as_response_error().error_response(),
    };
    let mut out = Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        out = out.header(name.as_str(), value.as_bytes());
    }
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    out.body(body).unwrap()
}

#[async_trait::async_trait]
impl BindingUnderTest for InProcess {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.send_built(move || to_actix(request)).await
    }
}

/// Serves `make(auth)` with actix's `HttpServer` (one worker) on
/// 127.0.0.1; the suite reaches it over real HTTP/1.1 connections. The
/// server runs on a thread of its own and stops when the value is dropped.
pub fn over_tcp<F, T>(auth: Auth, make: F) -> OverTcp
where
    F: Fn(Auth) -> App<T> + Clone + Send + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || make(auth.clone()))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
            handle_tx.send(server.handle()).unwrap();
            let _ = server.await;
        });
    });
    let handle = handle_rx.recv().unwrap();
    OverTcp::new(addr, move || {
        // The command is sent now; the server stops on its own thread.
        drop(handle.stop(false));
    })
}
