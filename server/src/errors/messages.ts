/** Open WebUI's ERROR_MESSAGES (constants.py), word for word: clients and users match on these. */
export const ERROR_MESSAGES = {
  DEFAULT: (err?: string) => (err ? `[ERROR: ${err}]` : 'Something went wrong :/'),
  ENV_VAR_NOT_FOUND: 'Required environment variable not found. Terminating now.',
  CREATE_USER_ERROR:
    'Oops! Something went wrong while creating your account. Please try again later. If the issue persists, contact support for assistance.',
  DELETE_USER_ERROR: 'Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.',
  EMAIL_MISMATCH:
    'Uh-oh! This email does not match the email your provider is registered with. Please check your email and try again.',
  EMAIL_TAKEN:
    'Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.',
  USERNAME_TAKEN: 'Uh-oh! This username is already registered. Please choose another username.',
  PASSWORD_TOO_LONG:
    'Uh-oh! The password you entered is too long. Please make sure your password is less than 72 bytes long.',
  INVALID_TOKEN: 'Your session has expired or the token is invalid. Please sign in again.',
  INVALID_CRED: 'The email or password provided is incorrect. Please check for typos and try logging in again.',
  INVALID_EMAIL_FORMAT:
    "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).",
  INVALID_PASSWORD: (hint?: string) =>
    hint ? hint : 'The password provided is incorrect. Please check for typos and try again.',
  INCORRECT_PASSWORD: 'The password provided is incorrect. Please check for typos and try again.',
  INVALID_TRUSTED_HEADER:
    'Your provider has not provided a trusted header. Please contact your administrator for assistance.',
  EXISTING_USERS:
    "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation.",
  UNAUTHORIZED: '401 Unauthorized',
  ACCESS_PROHIBITED: 'You do not have permission to access this resource. Please contact your administrator for assistance.',
  ACTION_PROHIBITED: 'The requested action has been restricted as a security measure.',
  NOT_FOUND: "We could not find what you're looking for :/",
  USER_NOT_FOUND: "We could not find what you're looking for :/",
  API_KEY_NOT_FOUND:
    "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature.",
  API_KEY_NOT_ALLOWED: 'Use of API key is not enabled in the environment.',
  API_KEY_ENDPOINT_NOT_ALLOWED: 'API key not allowed to access this endpoint.',
  API_KEY_CREATION_NOT_ALLOWED: 'API key creation is not allowed in the environment.',
  CREATE_API_KEY_ERROR:
    'Oops! Something went wrong while creating your API key. Please try again later. If the issue persists, contact support for assistance.',
  MALICIOUS: 'Unusual activities detected, please try again in a few minutes.',
  RATE_LIMIT_EXCEEDED: 'API rate limit exceeded',
  MODEL_NOT_FOUND: (name = '') => `Model '${name}' was not found`,
  OPENAI_NOT_FOUND: 'OpenAI API was not found',
  OLLAMA_NOT_FOUND: 'WebUI could not connect to Ollama',
  OLLAMA_API_DISABLED: 'The Ollama API is disabled. Please enable it to use this feature.',
  OPENAI_API_DISABLED: 'The OpenAI API is disabled. Please enable it to use this feature.',
  EMPTY_CONTENT: 'The content provided is empty. Please ensure that there is text or data present before proceeding.',
  INVALID_URL: 'Oops! The URL you provided is invalid. Please double-check and try again.',
  // Literal strings the original uses outside the table.
  SERVER_CONNECTION_ERROR: 'Open WebUI: Server Connection Error',
  MODEL_NOT_FOUND_SHORT: 'Model not found',
  NOT_AUTHENTICATED: 'Not authenticated',
  INVALID_TOKEN_SHORT: 'Invalid token',
  USER_MISMATCH: 'User mismatch. Please sign in again.',
  INVALID_WEBSOCKET_UPGRADE: 'Invalid WebSocket upgrade request',
} as const;
