//! The tests' HTTP side: a client that behaves like a browser for cookies
//! and forms, and a response read whole with helpers to find what a person
//! would see in it.

use std::collections::HashMap;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Page {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden `csrf_token` field.
    pub fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    /// Every named input, select and textarea of the first form whose
    /// attributes contain `marker`, with its current value: what a browser
    /// would submit (checked boxes only, selected options).
    pub fn form_fields(&self, marker: &str) -> Vec<(String, String)> {
        let form_start = self.body.find(marker).expect("the form");
        let html = &self.body[form_start..];
        let html = &html[..html.find("</form>").unwrap()];
        let attr = |tag: &str, name: &str| -> Option<String> {
            let marker = format!(" {name}=\"");
            let at = tag.find(&marker)? + marker.len();
            Some(tag[at..at + tag[at..].find('"')?].to_owned())
        };
        let mut fields = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            rest = &rest[open..];
            let end = rest.find('>').unwrap();
            let tag = &rest[..=end];
            if tag.starts_with("<input") {
                if let Some(name) = attr(tag, "name") {
                    let kind = attr(tag, "type").unwrap_or_default();
                    if (kind != "checkbox" && kind != "radio") || tag.contains(" checked") {
                        fields.push((name, attr(tag, "value").unwrap_or_default()));
                    }
                }
            } else if tag.starts_with("<textarea") {
                let name = attr(tag, "name").unwrap();
                let body = &rest[end + 1..];
                fields.push((name, body[..body.find("</textarea>").unwrap()].to_owned()));
            } else if tag.starts_with("<select") {
                let name = attr(tag, "name").unwrap();
                let body = &rest[end + 1..];
                let body = &body[..body.find("</select>").unwrap()];
                let selected = body
                    .split("<option")
                    .find(|option| option.contains(" selected"))
                    .and_then(|option| attr(option, "value"))
                    .unwrap_or_default();
                fields.push((name, selected));
            }
            rest = &rest[end + 1..];
        }
        fields
            .into_iter()
            .map(|(k, v)| (decode(&k), decode(&v)))
            .collect()
    }

    /// Whether the body contains `text` (with HTML character references decoded).
    pub fn shows(&self, text: &str) -> bool {
        decode(&self.body).contains(text)
    }

    /// Whether the page reads `text` as a person sees it: tags dropped,
    /// white space collapsed, character references decoded.
    pub fn reads(&self, text: &str) -> bool {
        let mut plain = String::with_capacity(self.body.len());
        let mut in_tag = false;
        for c in self.body.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    plain.push(' ');
                }
                _ if !in_tag => plain.push(c),
                _ => {}
            }
        }
        let plain = decode(&plain)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // Punctuation right after an inline element: "<strong>x</strong>: y".
        let plain = plain
            .replace(" :", ":")
            .replace(" .", ".")
            .replace(" ,", ",");
        plain.contains(text)
    }
}

/// Decodes the character references askama writes.
pub fn decode(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Sets a field of a form read with [`Page::form_fields`]; panics if absent.
pub fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let field = fields
        .iter_mut()
        .find(|(key, _)| key == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value.to_owned();
}

/// An HTTP client that behaves like a browser for cookies and forms.
pub struct Client {
    base: String,
    http: reqwest::Client,
    /// Cookies by name.
    pub cookies: HashMap<String, String>,
    csrf: Option<String>,
    /// The client address a proxy would report (`X-Forwarded-For`).
    pub forwarded_for: Option<String>,
}

impl Client {
    /// A client of the server at `base`, with an empty cookie jar, that does
    /// not follow redirects (tests look at them).
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            csrf: None,
            forwarded_for: None,
        }
    }

    /// Requests from now on appear to come from `address` (as a proxy reports it).
    pub fn coming_from(mut self, address: &str) -> Self {
        self.forwarded_for = Some(address.to_owned());
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", self.cookie_header());
        if let Some(address) = &self.forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        request
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let raw = value.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || raw.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(token) = page.csrf_token() {
            self.csrf = Some(token);
        }
        page
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// GET a path; the status, content type and the body's bytes as sent.
    pub async fn get_bytes(&mut self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (
            status,
            content_type,
            response.bytes().await.unwrap().to_vec(),
        )
    }

    /// Sends a request with any method and a urlencoded body, as is.
    pub async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let response = self
            .request(method, path)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(reqwest::Method::POST, path, fields).await
    }

    /// Opens the ExCo review of November 2026 (the month after the demo's
    /// last held one, meeting on 9 December) of `programme`, as an
    /// executive; returns the review's address.
    pub async fn open_november_review(&mut self, programme: impl std::fmt::Display) -> String {
        let opened = self
            .post(
                &format!("/programmes/{programme}/reviews"),
                &[("month", "2026-11"), ("meeting_on", "2026-12-09")],
            )
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        let review = format!("/programmes/{programme}/reviews/2026-11");
        assert_eq!(opened.location(), review);
        review
    }

    /// POST a form with the CSRF token of the last page seen (fetching the
    /// home page first if none was seen yet).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        if self.csrf.is_none() {
            self.get("/").await;
        }
        if self.csrf.is_none() {
            // Signed out: the login form's token.
            self.get("/login").await;
        }
        let token = self
            .csrf
            .clone()
            .expect("a CSRF token from an earlier page");
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST a JSON body with the CSRF token of the last page seen in the
    /// header, as the passkeys script sends it.
    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Page {
        if self.csrf.is_none() {
            self.get("/").await;
        }
        let token = self.csrf.clone().unwrap_or_default();
        let response = self
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .header("x-csrf-token", token)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts a list of field pairs as they are (the form's own CSRF token included).
    pub async fn post_pairs(&mut self, path: &str, fields: &[(String, String)]) -> Page {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_raw(path, &pairs).await
    }

    /// Sends the same form `n` times at once, as a double click or a retrying
    /// network does; returns each answer's status and body.
    pub async fn post_at_once(
        &self,
        path: &str,
        fields: &[(String, String)],
        n: usize,
    ) -> Vec<(u16, String)> {
        let sends: Vec<_> = (0..n)
            .map(|_| {
                let request = self.request(reqwest::Method::POST, path).form(fields);
                tokio::spawn(async move {
                    let response = request.send().await.unwrap();
                    (response.status().as_u16(), response.text().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for send in sends {
            answers.push(send.await.unwrap());
        }
        answers
    }

    /// Opens `page`, reads the form whose attributes contain `marker`,
    /// changes the given fields, and submits it to `action`: what a person
    /// filling the form in a browser does.
    pub async fn submit_form(
        &mut self,
        page: &str,
        marker: &str,
        action: &str,
        changes: &[(&str, &str)],
    ) -> Page {
        let form = self.get(page).await;
        assert_eq!(form.status, 200, "{page}: {}", form.body);
        let mut fields = form.form_fields(marker);
        for (name, value) in changes {
            set(&mut fields, name, value);
        }
        self.post_pairs(action, &fields).await
    }

    /// Creates a user with an initial password through the administrator's
    /// form (the client must be signed in as an administrator); `seat` is
    /// (kind, approver title).
    pub async fn create_user(
        &mut self,
        name: &str,
        email: &str,
        password: &str,
        seat: Option<(&str, &str)>,
    ) -> Page {
        let (kind, title) = seat.unwrap_or_default();
        self.submit_form(
            "/admin/users/new",
            "action=\"/admin/users/new\"",
            "/admin/users/new",
            &[
                ("display_name", name),
                ("email", email),
                ("join", "password"),
                ("password", password),
                ("seat", kind),
                ("title", title),
            ],
        )
        .await
    }

    /// Signs in through the login form.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        // Already signed in, the login page redirects home: use the session's token.
        let token = match form.csrf_token() {
            Some(token) => token,
            None => self.get("/").await.csrf_token().expect("a CSRF token"),
        };
        let page = self
            .post_raw(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        if page.status == 303 {
            self.csrf = None;
        }
        page
    }

    /// The session cookie's value.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.get("tandem_session").cloned()
    }
}
