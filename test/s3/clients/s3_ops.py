"""Runs a list of S3 operations with boto3 (the client Label Studio uses) and prints one JSON result per operation.

stdin: {"endpoint", "accessKeyId", "secretAccessKey", "region", "caFile"?, "ops": [op, ...]} where an op is one of
  {"call": "<boto3 client method>", "params": {...},
   "client"?: {"accessKeyId", "secretAccessKey", "skewSeconds", "signatureVersion"}}
  {"presign": "<client method>", "params": {...}, "expiresIn": 60, "client"?: {...}}
  {"http": {"method", "url", "headers"?, "body"?}}       plain urllib request (no signature)
  {"signed" | "chunked" | "trailer": {...}}              hand-built requests, see raw_requests.py
stdout: a JSON list, one entry per op: {"ok": true, "response", "sent"} or {"ok": false, "error", "sent"}.
JSON cannot carry bytes or dates: {"$b64": "..."} and {"$date": "iso"} stand for them, both ways.
Failures of the server are data (reported per op); only a broken op spec makes this script exit non-zero.
"""
import base64
import datetime
import json
import ssl
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

import raw_requests


def decode(value):
    if isinstance(value, dict):
        if set(value) == {'$b64'}:
            return base64.b64decode(value['$b64'])
        if set(value) == {'$date'}:
            return datetime.datetime.fromisoformat(value['$date'].replace('Z', '+00:00'))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode(value):
    if isinstance(value, StreamingBody):
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        return {'$b64': base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime.datetime):
        return {'$date': value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def make_client(cfg, overrides, sent):
    session = boto3.session.Session(
        aws_access_key_id=overrides.get('accessKeyId', cfg['accessKeyId']),
        aws_secret_access_key=overrides.get('secretAccessKey', cfg['secretAccessKey']),
        region_name=cfg['region'],
    )
    # Label Studio's client: Config(signature_version='s3v4') and a custom endpoint (path style). One attempt:
    # a failure must show as the server's answer, not as a retried one.
    # `signatureVersion`: 's3' (SigV2) or 'default' (botocore's own choice: SigV2 presigning for a custom endpoint).
    version = overrides.get('signatureVersion', 's3v4')
    config = Config(signature_version=None if version == 'default' else version,
                    retries={'total_max_attempts': 1, 'mode': 'standard'})
    client = session.client('s3', endpoint_url=cfg['endpoint'], config=config, verify=cfg.get('caFile') or True)

    def record(request, **_):
        sent.append({'method': request.method, 'url': request.url,
                     'headers': {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}})

    client.meta.events.register('before-send.s3', record)
    return client


def run_call(cfg, op):
    sent = []
    overrides = op.get('client', {})
    client = make_client(cfg, overrides, sent)
    try:
        with raw_requests.clock_skew(overrides.get('skewSeconds', 0)):
            if 'presign' in op:
                url = client.generate_presigned_url(op['presign'], Params=decode(op.get('params', {})),
                                                    ExpiresIn=op.get('expiresIn', 60))
                return {'ok': True, 'response': {'url': url}, 'sent': sent}
            response = getattr(client, op['call'])(**decode(op.get('params', {})))
        return {'ok': True, 'response': encode(response), 'sent': sent}
    except ClientError as error:
        meta = error.response.get('ResponseMetadata', {})
        return {'ok': False, 'sent': sent, 'error': {
            'code': error.response.get('Error', {}).get('Code'),
            'message': error.response.get('Error', {}).get('Message'),
            'status': meta.get('HTTPStatusCode'),
            'headers': meta.get('HTTPHeaders', {}),
        }}
    except Exception as error:  # client-side failures (e.g. a checksum botocore rejects) are results too
        return {'ok': False, 'sent': sent, 'error': {'code': type(error).__name__, 'message': str(error)}}


def run_http(cfg, spec):
    request = urllib.request.Request(spec['url'], method=spec.get('method', 'GET'), headers=spec.get('headers', {}),
                                     data=spec.get('body'))
    context = ssl.create_default_context(cafile=cfg.get('caFile')) if spec['url'].startswith('https') else None
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as response:
            status, headers, body = response.status, response.getheaders(), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers.items(), error.read()
    return {'status': status, 'headers': {k.lower(): v for k, v in headers}, 'body': body}


RAW = {'signed': raw_requests.signed_request, 'chunked': raw_requests.signed_chunked_put,
       'trailer': raw_requests.unsigned_trailer_put}


def run(cfg, op):
    if 'call' in op or 'presign' in op:
        return run_call(cfg, op)
    if 'http' in op:
        return {'ok': True, 'response': encode(run_http(cfg, decode(op['http'])))}
    for kind, handler in RAW.items():
        if kind in op:
            return {'ok': True, 'response': encode(handler(cfg, decode(op[kind])))}
    raise ValueError(f'unknown op: {json.dumps(op)[:200]}')


def main():
    cfg = json.load(sys.stdin)
    print(json.dumps([run(cfg, op) for op in cfg['ops']]))


if __name__ == '__main__':
    main()
