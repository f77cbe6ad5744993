//! tus termination: `DELETE /v1/uploads/{id}`.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn terminate(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AppError> {
    let data_dir = market.data_dir().to_owned();
    let key = id.clone();
    market
        .run(move |tx| {
            if upload(tx, &id, device)?.is_none() {
                return Ok(Err(unknown_upload(&id)));
            }
            remove_if_present(&part_path(&data_dir, &id))?;
            tx.execute("DELETE FROM uploads WHERE id = ?1", args![&id])?;
            Ok(Ok(()))
        })
        .await??;
    if let Some(bucket) = market.blobs().bucket() {
        bucket::forget(bucket, &key).await;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
