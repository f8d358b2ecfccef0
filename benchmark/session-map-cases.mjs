// SessionMap benchmark cases (filled in with the SessionMap work).
export function sessionMapCases() {
  return []
}
