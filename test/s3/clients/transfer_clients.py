"""Uploads a file and downloads it again with one Python S3 client, as its users do, with its default settings.

argv[1]: boto3 | s3fs | minio.  stdin: {"endpoint", "accessKeyId", "secretAccessKey", "region", "bucket", "key",
"upload": path, "download": path, "caFile"?}.  stdout: {"ok": true} or {"ok": false, "error": "..."}.
Only the endpoint, credentials, region and path-style addressing are set: part sizes, thresholds and
concurrency are each client's own defaults, which is what this test is about.
"""
import json
import shutil
import sys
import traceback
from urllib.parse import urlparse


def boto3_transfer(cfg):
    import boto3
    from botocore.config import Config

    client = boto3.client(
        's3',
        endpoint_url=cfg['endpoint'],
        aws_access_key_id=cfg['accessKeyId'],
        aws_secret_access_key=cfg['secretAccessKey'],
        region_name=cfg['region'],
        verify=cfg.get('caFile') or True,
        config=Config(s3={'addressing_style': 'path'}),
    )
    client.upload_file(cfg['upload'], cfg['bucket'], cfg['key'])
    client.download_file(cfg['bucket'], cfg['key'], cfg['download'])


def s3fs_transfer(cfg):
    import s3fs

    fs = s3fs.S3FileSystem(
        key=cfg['accessKeyId'],
        secret=cfg['secretAccessKey'],
        endpoint_url=cfg['endpoint'],
        client_kwargs={'region_name': cfg['region'], 'verify': cfg.get('caFile') or True},
    )
    path = f"{cfg['bucket']}/{cfg['key']}"
    # What pandas and DVC do: a file object written in pieces (multipart above the 50 MiB block size).
    with open(cfg['upload'], 'rb') as source, fs.open(path, 'wb') as target:
        shutil.copyfileobj(source, target, 8 * 1024 * 1024)
    with fs.open(path, 'rb') as source, open(cfg['download'], 'wb') as target:
        shutil.copyfileobj(source, target, 8 * 1024 * 1024)


def minio_transfer(cfg):
    import urllib3
    from minio import Minio

    url = urlparse(cfg['endpoint'])
    trust = {'cert_reqs': 'CERT_REQUIRED', 'ca_certs': cfg['caFile']} if cfg.get('caFile') else {}
    client = Minio(
        url.netloc,
        access_key=cfg['accessKeyId'],
        secret_key=cfg['secretAccessKey'],
        region=cfg['region'],
        secure=url.scheme == 'https',
        http_client=urllib3.PoolManager(**trust) if trust else None,
    )
    client.fput_object(cfg['bucket'], cfg['key'], cfg['upload'])
    client.fget_object(cfg['bucket'], cfg['key'], cfg['download'])


CLIENTS = {'boto3': boto3_transfer, 's3fs': s3fs_transfer, 'minio': minio_transfer}


def main():
    cfg = json.load(sys.stdin)
    try:
        CLIENTS[sys.argv[1]](cfg)
        print(json.dumps({'ok': True}))
    except Exception:  # the test prints what the client said
        print(json.dumps({'ok': False, 'error': traceback.format_exc()}))


if __name__ == '__main__':
    main()
