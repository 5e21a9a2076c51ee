//! Cross-origin reads, for the origins `[http] cors_origins` names and no others: a page served from
//! one of them (a Grafana panel, an intranet portal) may call the API with its token. Without the setting
//! no CORS header is ever sent, so browsers keep other sites' scripts from reading the answers.
//! Preflights are answered here, before the door: a browser sends them without the token.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

/// The middleware: `origins` are the configured ones, compared exactly (scheme, host and port).
pub async fn cors(State(origins): State<Arc<[String]>>, request: Request, next: Next) -> Response {
    let allowed = (request.headers().get(header::ORIGIN))
        .filter(|origin| {
            origins
                .iter()
                .any(|known| known.as_bytes() == origin.as_bytes())
        })
        .cloned();
    let Some(origin) = allowed else {
        return next.run(request).await;
    };
    let preflight = request.method() == Method::OPTIONS
        && (request.headers()).contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut answer = StatusCode::NO_CONTENT.into_response();
        let headers = answer.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
        );
        answer
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    fn app(origins: &[&str]) -> Router {
        let origins: Arc<[String]> = origins.iter().map(|o| o.to_string()).collect();
        Router::new()
            .route("/api", get(|| async { "figures" }))
            .layer(axum::middleware::from_fn_with_state(origins, cors))
    }

    async fn send(app: Router, method: Method, origin: Option<&str>) -> Response {
        let mut request = Request::builder().method(method).uri("/api");
        if let Some(origin) = origin {
            request = request
                .header("origin", origin)
                .header("access-control-request-method", "GET");
        }
        app.oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn allow_origin(response: &Response) -> Option<&str> {
        (response.headers().get("access-control-allow-origin")).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn only_a_configured_origin_is_allowed_and_its_preflight_answered() {
        let grafana = "https://grafana.example.com";
        let app = app(&[grafana]);
        let read = send(app.clone(), Method::GET, Some(grafana)).await;
        assert_eq!(read.status(), StatusCode::OK);
        assert_eq!(allow_origin(&read), Some(grafana));
        assert_eq!(read.headers().get("vary").unwrap(), "origin");
        let preflight = send(app.clone(), Method::OPTIONS, Some(grafana)).await;
        assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
        assert_eq!(allow_origin(&preflight), Some(grafana));
        let headers = preflight.headers();
        assert_eq!(
            headers.get("access-control-allow-headers").unwrap(),
            "authorization"
        );
        assert_eq!(headers.get("access-control-allow-methods").unwrap(), "GET");
        for other in [
            "https://evil.example.com",
            "http://grafana.example.com",
            "https://grafana.example.com:8443",
        ] {
            let read = send(app.clone(), Method::GET, Some(other)).await;
            assert_eq!(allow_origin(&read), None, "{other}");
            let preflight = send(app.clone(), Method::OPTIONS, Some(other)).await;
            assert_ne!(preflight.status(), StatusCode::NO_CONTENT, "{other}");
            assert_eq!(allow_origin(&preflight), None, "{other}");
        }
    }

    #[tokio::test]
    async fn without_configured_origins_no_cors_header_is_ever_sent() {
        let app = app(&[]);
        for origin in [None, Some("https://grafana.example.com"), Some("null")] {
            for method in [Method::GET, Method::OPTIONS] {
                let response = send(app.clone(), method.clone(), origin).await;
                assert_eq!(allow_origin(&response), None, "{method} {origin:?}");
            }
        }
    }
}
