/** What to do about a failed flush, by what its message says (first match wins). */
const ADVICE: ReadonlyArray<{ when: RegExp; advice: string }> = [
  {
    when: /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|CredentialsProviderError|Could not load credentials/,
    advice:
      'The DVC remote refused the credentials: check DVC_REMOTE_ACCESS_KEY_ID and DVC_REMOTE_SECRET_ACCESS_KEY (they must be allowed to write to the bucket), then restart the service.',
  },
  {
    when: /NoSuchBucket/,
    advice:
      "The DVC remote's bucket does not exist: create it, or fix the remote's url in the repository's .dvc/config.",
  },
  {
    when: /git server .*HTTP 40[13]|GIT_TOKEN/,
    advice:
      'Git refused the credentials: set GIT_USERNAME and GIT_TOKEN (a token that may push to the branch), then restart the service.',
  },
  {
    when: /without 'dvc push'/,
    advice:
      "A teammate committed the dataset without uploading its data: ask them to run 'dvc push' (or revert that commit); the next flush then merges.",
  },
  {
    when: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|cannot reach|TimeoutError/,
    advice: 'A remote cannot be reached from this host: check its address, DNS, the firewall or the proxy.',
  },
  { when: /ENOSPC/, advice: 'A disk is full: free space in DATA_DIR or on the DVC remote.' },
  {
    when: /EACCES|EPERM|EROFS/,
    advice: "This service's user may not write there: fix the folder's owner or permissions.",
  },
  {
    when: /branch kept moving/,
    advice: 'Others push to the branch all the time: if this lasts, give the service a branch of its own (GIT_BRANCH).',
  },
];

const FALLBACK = 'The message says what failed; the service log has the details.';

/** Advice for the status page; the message itself names the remote and the object concerned. */
export function syncErrorAdvice(message: string): string {
  return ADVICE.find(({ when }) => when.test(message))?.advice ?? FALLBACK;
}
