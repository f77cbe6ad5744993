//! Helpers of `hanout-market release …`.

use anyhow::Context as _;

/// `--signature`: the text of the `.sig` file at that path if there is
/// one, else the argument itself.
pub(crate) fn signature_text(given: &str) -> anyhow::Result<String> {
    let path = std::path::Path::new(given);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read the signature file {}", path.display()))?;
        Ok(text.trim().to_owned())
    } else {
        Ok(given.trim().to_owned())
    }
}
