//! The server's HTTP interface (axum):
//!
//! - `GET /` — the page ([`PAGE`]): draw a digit or upload a photo, top classes as bars;
//! - `POST /predict[?top_k=N]` — the body is an image file (PNG, JPEG, BMP; any
//!   `Content-Type`); `200 {"class", "label", "probability", "top_k": [{"class", "label",
//!   "probability"}]}`, the keys and numbers of `infer --json` (`class` = name, `label` =
//!   index);
//! - `GET /health` — `200 {"status": "ok", "images", "batches", "largest_batch"}` (images
//!   classified so far, forward passes, the largest batch); `GET /model` —
//!   [`ModelCard::to_json`].
//!
//! Every error is JSON `{"error": "..."}`: 400 for an empty, undecodable or oversized image
//! or a bad query, 413 for a body over the limit, 404 for an unknown path, 405 for a wrong
//! method, 500 when the forward pass failed.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde::Deserialize;

use super::batcher::BatchQueue;
use super::card::ModelCard;
use crate::predict::{rank, ranked_json};
use crate::preprocess::decode_image;

/// The page served at `/`: one self-contained HTML file (styles and script inline, nothing
/// fetched from elsewhere).
pub const PAGE: &str = include_str!("page.html");

/// Classes in a `/predict` answer when the query does not say.
pub const DEFAULT_TOP_K: usize = 5;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The model's description and input preparation.
    pub card: Arc<ModelCard>,
    /// The inference thread's queue.
    pub queue: BatchQueue,
    /// Largest request body in bytes.
    pub max_body: usize,
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/health", get(health))
        .route("/model", get(model_card))
        .route("/predict", post(predict))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// An error answer: `status` with `{"error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let stats = &state.queue.stats;
    Json(serde_json::json!({
        "status": "ok",
        "images": stats.images.load(Ordering::Relaxed),
        "batches": stats.batches.load(Ordering::Relaxed),
        "largest_batch": stats.largest_batch.load(Ordering::Relaxed),
    }))
}

async fn model_card(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.card.to_json())
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such path: the routes are GET /, GET /health, GET /model and POST /predict",
    )
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: POST /predict takes an image; /, /health and /model take GET",
    )
}

/// The query of `POST /predict`.
#[derive(Debug, Deserialize)]
struct PredictQuery {
    /// How many classes to return [default: [`DEFAULT_TOP_K`]].
    top_k: Option<usize>,
}

/// `POST /predict`: decode and prepare the image on a blocking thread, then classify it in
/// the next batch.
async fn predict(
    State(state): State<AppState>,
    query: Result<Query<PredictQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let top_k = match query {
        Ok(Query(PredictQuery { top_k: Some(0) })) => {
            return error(StatusCode::BAD_REQUEST, "top_k must be at least 1");
        }
        Ok(Query(q)) => q.top_k.unwrap_or(DEFAULT_TOP_K),
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let body = match read_body(&headers, body, state.max_body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "empty body: send an image file (PNG, JPEG or BMP) as the request body",
        );
    }
    let announced = state.queue.announce();
    let card = Arc::clone(&state.card);
    let prepared = tokio::task::spawn_blocking(move || {
        decode_image(&body).map(|image| card.preparation.apply(&image))
    })
    .await;
    let input = match prepared {
        Ok(Ok(input)) => input,
        Ok(Err(problem)) => return error(StatusCode::BAD_REQUEST, problem),
        Err(join) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("preparing the image failed: {join}"),
            );
        }
    };
    match state.queue.classify(input, announced).await {
        Ok(probabilities) => {
            let names: Vec<&str> = state.card.class_names.iter().map(String::as_str).collect();
            Json(ranked_json(&rank(&probabilities, &names, top_k))).into_response()
        }
        Err(message) => error(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

/// How much of a body over the limit is still read (and dropped) before the 413 answer, so that
/// a client still sending it reads the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 32 << 20;

/// The request body, at most `limit` bytes: 413 for a longer one. A body announced (or found)
/// longer is read on, up to [`DRAIN_LIMIT`] more bytes, and dropped before the answer.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body too large: at most {limit} bytes (see --max-body)"),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit.saturating_add(DRAIN_LIMIT)) {
        return Err(too_large());
    }
    let mut body = body;
    let mut kept = Vec::with_capacity(announced.unwrap_or(0).min(limit));
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            received += data.len();
            if received <= limit {
                kept.extend_from_slice(&data);
            } else if received > limit.saturating_add(DRAIN_LIMIT) {
                break;
            }
        }
    }
    if received > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(kept))
}
