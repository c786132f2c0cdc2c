/** Reads a fetch response body as JSON when it is JSON, else as text (e.g. /metrics, HTML errors). */
export async function readJsonOrText(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
