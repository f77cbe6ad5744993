// Uploads a file to hanout-market with tus-js-client, the stock tus client,
// for the interop test in ../it/tus_interop.rs. One line per event on stdout:
//   url <upload URL>        once the server created the upload
//   patch <Upload-Offset>   before each PATCH
//   done                    after the last byte was accepted
//
// node upload.mjs ENDPOINT TOKEN FILE SHA256 CHUNK_SIZE start KILL_AFTER
//   starts an upload and SIGKILLs itself once more than KILL_AFTER bytes
//   were sent: a client dying in the middle of a PATCH.
// node upload.mjs ENDPOINT TOKEN FILE SHA256 CHUNK_SIZE resume UPLOAD_URL
//   resumes that upload: HEAD for the offset, then PATCH from there.

import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import * as tus from 'tus-js-client'

const [endpoint, token, file, sha256, chunkSize, mode, arg] = process.argv.slice(2)
const bytes = readFileSync(file)

const options = {
  endpoint,
  chunkSize: Number(chunkSize),
  retryDelays: null,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { sha256, filename: basename(file) },
  onBeforeRequest(req) {
    if (req.getMethod() === 'PATCH') {
      console.log(`patch ${req.getHeader('Upload-Offset')}`)
    }
  },
  onError(error) {
    console.error(`error ${error}`)
    process.exit(2)
  },
  onSuccess() {
    console.log('done')
  },
}

let upload
if (mode === 'start') {
  const killAfter = Number(arg)
  options.onUploadUrlAvailable = () => console.log(`url ${upload.url}`)
  options.onProgress = (sent) => {
    if (sent > killAfter) {
      console.log(`killed after ${sent}`)
      process.kill(process.pid, 'SIGKILL')
    }
  }
} else if (mode === 'resume') {
  options.uploadUrl = arg
} else {
  console.error(`unknown mode ${mode}`)
  process.exit(64)
}
upload = new tus.Upload(bytes, options)
upload.start()
