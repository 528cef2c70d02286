// Runs s3rver on loopback for the tests, with the two multipart calls s3rver 3.7.1 lacks:
// ListMultipartUploads (GET /bucket?uploads) and AbortMultipartUpload (DELETE /bucket/key?uploadId=ID).
// Both work on s3rver's own store (<directory>/<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}), so an upload
// listed or aborted here is exactly what s3rver itself would complete. Path-style addressing only.
//
// It also accepts a fully percent-encoded x-amz-copy-source ('bucket%2Fkey', as the AWS SDK for .NET sends it, and AWS
// accepts); s3rver decodes it with decodeURI, which leaves %2F, and then finds no bucket.
//
// usage: node server.js --port 0 --directory DIR [--bucket NAME]...
// Prints one line 'listening http://127.0.0.1:PORT' once it accepts requests; stops on SIGTERM or when stdin closes.
'use strict';
const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');
const objectController = require('s3rver/lib/controllers/object');

const putObjectCopy = objectController.putObjectCopy;
objectController.putObjectCopy = ctx => {
  // After authentication (the signature covers the header as sent), before s3rver parses it.
  ctx.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(ctx.headers['x-amz-copy-source']));
  return putObjectCopy(ctx);
};

const args = process.argv.slice(2);
const option = name => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const buckets = args.flatMap((a, i) => (a === '--bucket' ? [{ name: args[i + 1] }] : []));
const directory = option('--directory');
const port = Number(option('--port') || 0);

const escapeXml = s => String(s).replace(/[<>&'"]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
const uploadsOf = bucket => path.join(directory, bucket, '._S3rver_uploads');

async function multipartExtensions(ctx, next) {
  const url = new URL(ctx.url, 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (ctx.method === 'GET' && segments.length === 1 && url.searchParams.has('uploads')) {
    const bucket = segments[0];
    const prefix = url.searchParams.get('prefix') || '';
    const root = uploadsOf(bucket);
    const uploads = [];
    for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      const keyFile = path.join(root, id, 'key');
      if (!fs.existsSync(keyFile)) continue;
      const key = fs.readFileSync(keyFile, 'utf8');
      if (key.startsWith(prefix)) uploads.push({ key, id, initiated: fs.statSync(keyFile).mtime.toISOString() });
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      `<Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
      uploads.map(u => `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${escapeXml(u.id)}</UploadId>` +
        `<StorageClass>STANDARD</StorageClass><Initiated>${u.initiated}</Initiated></Upload>`).join('') +
      '</ListMultipartUploadsResult>';
    return;
  }
  if (ctx.method === 'DELETE' && segments.length >= 2 && url.searchParams.has('uploadId')) {
    const id = url.searchParams.get('uploadId');
    const dir = path.join(uploadsOf(segments[0]), path.basename(id));
    if (!fs.existsSync(dir)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(id)}</UploadId></Error>`;
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  await next();
}

const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: buckets });
server.middleware.unshift(multipartExtensions);
server.run().then(({ port: actual }) => {
  process.stdout.write(`listening http://127.0.0.1:${actual}\n`);
}, error => {
  process.stderr.write(`s3rver did not start: ${error.stack || error}\n`);
  process.exit(1);
});
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
