"""Hand-built S3 requests that boto3 would never send: skewed clocks, tampered bodies, bad chunk signatures,
wrong trailing checksums, traversal paths. Headers are signed by botocore's own SigV4 code (an implementation
independent of the service's); chunk signatures follow the AWS "Signature Calculations for the Authorization
Header: Transferring Payload in Multiple Chunks" page. Every request goes out byte for byte as built here.
"""
import base64
import contextlib
import datetime
import hashlib
import hmac
import http.client
import ssl
import zlib
from urllib.parse import urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()


class RawPathSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4 with S3's canonical URI: the path exactly as sent, never normalised (no `..` removal)."""

    def _normalize_url_path(self, path):
        return path


@contextlib.contextmanager
def clock_skew(seconds):
    """botocore reads the time through botocore.auth.get_current_datetime: shift it to sign in the past/future."""
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda *a, **k: original(*a, **k) + datetime.timedelta(seconds=seconds)
    try:
        yield
    finally:
        botocore.auth.get_current_datetime = original


def signing_key(secret, date, region):
    key = ('AWS4' + secret).encode()
    for part in (date, region, 's3', 'aws4_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(cfg, method, target, headers, spec):
    """Adds X-Amz-Date and Authorization to `headers` (which must hold X-Amz-Content-SHA256); returns the context."""
    request = AWSRequest(method=method, url=cfg['endpoint'] + target, headers=headers)
    credentials = Credentials(spec.get('accessKeyId', cfg['accessKeyId']), spec.get('secretAccessKey', cfg['secretAccessKey']))
    with clock_skew(spec.get('skewSeconds', 0)):
        RawPathSigV4Auth(credentials, 's3', cfg['region']).add_auth(request)
    signed = dict(request.headers.items())
    timestamp = request.context['timestamp']
    scope = f"{timestamp[:8]}/{cfg['region']}/s3/aws4_request"
    seed = signed['Authorization'].rsplit('Signature=', 1)[1]
    key = signing_key(credentials.secret_key, timestamp[:8], cfg['region'])
    return signed, {'timestamp': timestamp, 'scope': scope, 'seed': seed, 'key': key}


def send(cfg, method, target, headers, body):
    parts = urlsplit(cfg['endpoint'])
    if parts.scheme == 'https':
        context = ssl.create_default_context(cafile=cfg.get('caFile'))
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=60)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        # skip_accept_encoding: send only the headers we built (http.client still adds Host, which is signed).
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if method == 'HEAD':
            connection.putheader('Connection', 'close')  # so every byte after the headers can be read, below
        connection.endheaders()
        if body:
            connection.send(body)
        response = connection.getresponse()
        # For HEAD, http.client would return b'' whatever came: read what the server really sent until it closed.
        data = response.fp.read() if method == 'HEAD' else response.read()
        return {'status': response.status, 'headers': {k.lower(): v for k, v in response.getheaders()}, 'body': data}
    finally:
        connection.close()


def target_of(spec):
    return spec['path'] + ('?' + spec['query'] if spec.get('query') else '')


def signed_request(cfg, spec):
    """A SigV4-signed request. `payloadHash`: 'hex' (sha256 of `body`) or a literal value. `sendBody`: the bytes
    actually sent (a tampered body: signed over `body`, sent as `sendBody`)."""
    method = spec.get('method', 'GET')
    body = spec.get('body', b'')
    send_body = spec.get('sendBody', body)
    headers = dict(spec.get('headers', {}))
    payload_hash = spec.get('payloadHash', 'hex')
    headers['X-Amz-Content-SHA256'] = hashlib.sha256(body).hexdigest() if payload_hash == 'hex' else payload_hash
    if send_body or method in ('PUT', 'POST'):
        headers['Content-Length'] = str(len(send_body))
    signed, _ = sign(cfg, method, target_of(spec), headers, spec)
    return send(cfg, method, target_of(spec), signed, send_body)


def signed_chunked_put(cfg, spec):
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk signed, chained from the seed signature.
    `corruptChunk`: index of the chunk whose signature is sent wrong (one hex digit changed)."""
    data = spec['data']
    size = spec.get('chunkSize', 65536)
    chunks = [data[i:i + size] for i in range(0, len(data), size)] + [b'']
    framing = sum(len(f'{len(c):x};chunk-signature={"0" * 64}\r\n') + 2 for c in chunks)
    headers = dict(spec.get('headers', {}))
    headers.update({
        'Content-Encoding': 'aws-chunked',
        'X-Amz-Content-SHA256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'X-Amz-Decoded-Content-Length': str(len(data)),
        'Content-Length': str(len(data) + framing),
    })
    signed, ctx = sign(cfg, 'PUT', spec['path'], headers, spec)
    previous, body = ctx['seed'], b''
    for index, chunk in enumerate(chunks):
        to_sign = '\n'.join(['AWS4-HMAC-SHA256-PAYLOAD', ctx['timestamp'], ctx['scope'], previous, EMPTY_SHA256,
                             hashlib.sha256(chunk).hexdigest()])
        signature = hmac.new(ctx['key'], to_sign.encode(), hashlib.sha256).hexdigest()
        if index == spec.get('corruptChunk'):
            signature = ('1' if signature[0] == '0' else '0') + signature[1:]
        body += f'{len(chunk):x};chunk-signature={signature}\r\n'.encode() + chunk + b'\r\n'
        previous = signature
    return send(cfg, 'PUT', spec['path'], signed, body)


def crc32_base64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, 'big')).decode()


def unsigned_trailer_put(cfg, spec):
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER, as botocore sends it over https, with a CRC32 trailer.
    `checksum`: the trailer value to send (default: the right one)."""
    data = spec['data']
    size = spec.get('chunkSize', 65536)
    checksum = spec.get('checksum') or crc32_base64(data)
    body = b''.join(f'{len(data[i:i + size]):x}\r\n'.encode() + data[i:i + size] + b'\r\n' for i in range(0, len(data), size))
    body += b'0\r\n' + f'x-amz-checksum-crc32:{checksum}\r\n'.encode() + b'\r\n'
    headers = dict(spec.get('headers', {}))
    headers.update({
        'Content-Encoding': 'aws-chunked',
        'X-Amz-Content-SHA256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'X-Amz-Decoded-Content-Length': str(len(data)),
        'X-Amz-Trailer': 'x-amz-checksum-crc32',
        'X-Amz-Sdk-Checksum-Algorithm': 'CRC32',
        'Content-Length': str(len(body)),
    })
    signed, _ = sign(cfg, 'PUT', spec['path'], headers, spec)
    return send(cfg, 'PUT', spec['path'], signed, body)
