//! A real node next to revm: anvil (foundry), as the npm package `@foundry-rs/anvil` pinned in
//! `package.json` ships it (`npm ci` installs it; it runs offline), driven over JSON-RPC.
//!
//! [`Anvil::spawn`] starts it on 127.0.0.1 only, on a free port, with [`HARDFORK`] rules
//! (`--hardfork osaka`) and EIP-7825's transaction gas cap enforced as on mainnet. The node
//! lives at most [`Anvil::MAX_LIFETIME`] (a watchdog thread kills it then) and is killed when the
//! [`Anvil`] value is dropped. JSON-RPC goes over plain HTTP/1.1 on a `std::net::TcpStream`,
//! one connection per request, with serde_json.
//!
//! Transactions are sent with `eth_sendTransaction` from anvil's unlocked development
//! accounts, with an explicit gas limit ([`TX_GAS_LIMIT`] unless [`Anvil::spawn_binary`] lifted
//! the cap), so a transaction that reverts is
//! still mined (status 0); its revert data comes from replaying it with `eth_call`.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use super::{
    error::EvmError,
    executor::{Address, CallOutcome, CallStatus, Chain, EventLog, HARDFORK, TX_GAS_LIMIT},
    solc::CompiledContract,
};

/// A running anvil node, killed on drop.
pub struct Anvil {
    child: Arc<Mutex<Child>>,
    stop: Option<mpsc::Sender<()>>,
    port: u16,
    accounts: Vec<Address>,
    chain_id: u64,
    gas_limit: u64,
}

impl std::fmt::Debug for Anvil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anvil")
            .field("port", &self.port)
            .field("chain_id", &self.chain_id)
            .finish_non_exhaustive()
    }
}

impl Anvil {
    /// The longest a node started by [`Anvil::spawn`] runs.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);

    /// How long [`Anvil::spawn`] waits for the node to listen.
    pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

    /// The anvil binary the npm package installed under `node_modules` of this repository:
    /// the platform package's binary, else the package's Node wrapper; `None` if neither
    /// exists (run `npm ci`). `ZKMLP_ANVIL` overrides it.
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("ZKMLP_ANVIL") {
            return Some(PathBuf::from(path));
        }
        let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules");
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            other => other,
        };
        let native = modules.join(format!("@foundry-rs/anvil-{os}-{arch}/bin/anvil"));
        let wrapper = modules.join(".bin/anvil");
        [native, wrapper].into_iter().find(|p| p.is_file())
    }

    /// Starts anvil from [`Anvil::binary`].
    ///
    /// # Errors
    /// [`EvmError::AnvilMissing`] if there is no binary, [`EvmError::Node`] if it does not
    /// start, listen or answer.
    pub fn spawn() -> Result<Self, EvmError> {
        let binary = Self::binary().ok_or(EvmError::AnvilMissing)?;
        Self::spawn_binary(&binary, TX_GAS_LIMIT)
    }

    /// Starts the anvil binary at `binary`. With `gas_limit` above [`TX_GAS_LIMIT`], EIP-7825's
    /// cap is lifted and every transaction gets `gas_limit` gas (beyond what mainnet allows,
    /// to measure what a transaction over the cap would cost); otherwise the cap is enforced
    /// and transactions get [`TX_GAS_LIMIT`].
    ///
    /// # Errors
    /// As [`Anvil::spawn`].
    pub fn spawn_binary(binary: &Path, gas_limit: u64) -> Result<Self, EvmError> {
        let node_error = |what: &str, e: &dyn std::fmt::Display| {
            EvmError::Node(format!("anvil ({}): {what}: {e}", binary.display()))
        };
        let gas_limit = gas_limit.max(TX_GAS_LIMIT);
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--hardfork"])
            .arg(HARDFORK.to_ascii_lowercase());
        if gas_limit == TX_GAS_LIMIT {
            command.arg("--enable-tx-gas-limit");
        } else {
            command.arg("--gas-limit").arg(gas_limit.to_string());
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| node_error("could not start", &e))?;
        let stdout = child.stdout.take();
        let child = Arc::new(Mutex::new(child));
        let (stop, stopped) = mpsc::channel::<()>();
        let watched = Arc::clone(&child);
        thread::spawn(move || {
            // Either a stop message, the sender dropped, or the lifetime is over: kill.
            let _ = stopped.recv_timeout(Self::MAX_LIFETIME);
            if let Ok(mut child) = watched.lock() {
                let _ = child.kill();
                let _ = child.wait();
            }
        });
        let mut anvil = Self {
            child,
            stop: Some(stop),
            port: 0,
            accounts: Vec::new(),
            chain_id: 0,
            gas_limit,
        };
        let stdout = stdout.ok_or_else(|| node_error("no stdout", &"piped"))?;
        anvil.port = read_port(stdout).map_err(|e| node_error("did not start listening", &e))?;
        let accounts = anvil.rpc("eth_accounts", json!([]))?;
        anvil.accounts = accounts
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().and_then(parse_hex::<20>))
            .collect();
        anvil.chain_id = parse_quantity(&anvil.rpc("eth_chainId", json!([]))?)?;
        if anvil.accounts.len() < 2 {
            return Err(EvmError::Node("anvil has no unlocked accounts".into()));
        }
        Ok(anvil)
    }

    /// The JSON-RPC port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The unlocked development accounts; transactions come from the first by default.
    pub fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Deploys `contract` with ABI-encoded `constructor_args`; returns its address.
    ///
    /// # Errors
    /// [`EvmError::CodeSizeLimit`] before anything is sent if the code is over EIP-170,
    /// [`EvmError::Deployment`] if the constructor fails, [`EvmError::Node`] on RPC errors.
    pub fn deploy(
        &mut self,
        contract: &CompiledContract,
        constructor_args: &[u8],
    ) -> Result<Address, EvmError> {
        contract.check_code_size()?;
        let mut code = contract.creation_code.clone();
        code.extend_from_slice(constructor_args);
        let from = self.accounts[0];
        let receipt = self.send(from, None, &code)?;
        let gas_used = parse_quantity(&receipt["gasUsed"])?;
        if parse_quantity(&receipt["status"])? != 1 {
            return Err(EvmError::Deployment {
                contract: contract.name.clone(),
                gas_used,
                reason: "the deployment transaction failed".into(),
            });
        }
        receipt["contractAddress"]
            .as_str()
            .and_then(parse_hex::<20>)
            .ok_or_else(|| EvmError::Node("the receipt has no contract address".into()))
    }

    /// Sends a transaction from the first account calling `to` with `calldata` and waits for
    /// its receipt; a revert is an outcome ([`CallStatus::Revert`], with its revert data).
    ///
    /// # Errors
    /// [`EvmError::Node`] on RPC errors.
    pub fn call(&mut self, to: Address, calldata: Vec<u8>) -> Result<CallOutcome, EvmError> {
        let from = self.accounts[0];
        self.call_from(from, to, calldata)
    }

    /// As [`Anvil::call`], sent by `from` (one of [`Anvil::accounts`]).
    ///
    /// # Errors
    /// As [`Anvil::call`].
    pub fn call_from(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<CallOutcome, EvmError> {
        let receipt = self.send(from, Some(to), &calldata)?;
        let gas_used = parse_quantity(&receipt["gasUsed"])?;
        if parse_quantity(&receipt["status"])? == 1 {
            let logs = receipt["logs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(parse_log)
                .collect::<Result<_, _>>()?;
            // eth_call on the new state returns what the call would return now; only
            // getters rely on the output, which they do not change.
            return Ok(CallOutcome {
                status: CallStatus::Success,
                gas_used,
                output: Vec::new(),
                logs,
            });
        }
        // Replay the reverted call (its state change was discarded) for its revert data.
        let output = match self.eth_call(from, to, &calldata) {
            Err(EvmError::Reverted(data)) => data,
            Ok(output) => output,
            Err(e) => return Err(e),
        };
        Ok(CallOutcome {
            status: CallStatus::Revert,
            gas_used,
            output,
            logs: Vec::new(),
        })
    }

    /// Runs `calldata` against `to` without a transaction (`eth_call` on the latest block).
    ///
    /// # Errors
    /// [`EvmError::Reverted`] with the revert data if the call reverts, [`EvmError::Node`] on
    /// other RPC errors.
    pub fn eth_call(
        &self,
        from: Address,
        to: Address,
        calldata: &[u8],
    ) -> Result<Vec<u8>, EvmError> {
        let tx = json!({
            "from": hex_string(&from),
            "to": hex_string(&to),
            "data": hex_string(calldata),
            "gas": format!("{:#x}", self.gas_limit),
        });
        let result = self.rpc("eth_call", json!([tx, "latest"]))?;
        result
            .as_str()
            .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
            .ok_or_else(|| EvmError::Node(format!("eth_call returned {result}")))
    }

    /// Sends one transaction and returns its receipt (anvil mines it at once).
    fn send(&self, from: Address, to: Option<Address>, data: &[u8]) -> Result<Value, EvmError> {
        let mut tx = json!({
            "from": hex_string(&from),
            "data": hex_string(data),
            "gas": format!("{:#x}", self.gas_limit),
        });
        if let Some(to) = to {
            tx["to"] = json!(hex_string(&to));
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx]))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]))?;
            if !receipt.is_null() {
                return Ok(receipt);
            }
            if Instant::now() > deadline {
                return Err(EvmError::Node(format!("no receipt for {hash}")));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// One JSON-RPC request; returns its `result`.
    fn rpc(&self, method: &str, params: Value) -> Result<Value, EvmError> {
        let body =
            json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
        let response =
            http_post(self.port, &body).map_err(|e| EvmError::Node(format!("{method}: {e}")))?;
        let mut response: Value = serde_json::from_slice(&response)
            .map_err(|e| EvmError::Node(format!("{method}: malformed response: {e}")))?;
        if let Some(error) = response.get("error") {
            if let Some(data) = error["data"]
                .as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
            {
                return Err(EvmError::Reverted(data));
            }
            return Err(EvmError::Node(format!("{method}: {error}")));
        }
        Ok(response["result"].take())
    }
}

impl Chain for Anvil {
    fn name(&self) -> &'static str {
        "anvil"
    }

    fn accounts(&self) -> Vec<Address> {
        Anvil::accounts(self)
    }

    fn chain_id(&self) -> u64 {
        Anvil::chain_id(self)
    }

    fn deploy(
        &mut self,
        contract: &CompiledContract,
        constructor_args: &[u8],
    ) -> Result<Address, EvmError> {
        Anvil::deploy(self, contract, constructor_args)
    }

    fn call_from(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<CallOutcome, EvmError> {
        Anvil::call_from(self, from, to, calldata)
    }

    fn view(&mut self, to: Address, calldata: Vec<u8>) -> Result<Vec<u8>, EvmError> {
        self.eth_call(self.accounts[0], to, &calldata)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        // The watchdog kills the node and reaps it as soon as the channel closes.
        drop(self.stop.take());
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads anvil's stdout until `Listening on 127.0.0.1:PORT`, then drains the rest in the
/// background so the node never blocks on a full pipe.
fn read_port(stdout: impl Read + Send + 'static) -> Result<u16, String> {
    let (found, port) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        let mut sent = false;
        while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
            if !sent {
                if let Some(port) = line
                    .trim()
                    .strip_prefix("Listening on 127.0.0.1:")
                    .and_then(|p| p.parse::<u16>().ok())
                {
                    let _ = found.send(port);
                    sent = true;
                }
            }
            line.clear();
        }
    });
    port.recv_timeout(Anvil::STARTUP_TIMEOUT)
        .map_err(|_| format!("no `Listening on` line within {:?}", Anvil::STARTUP_TIMEOUT))
}

/// POSTs `body` to `http://127.0.0.1:port/` and returns the response body.
fn http_post(port: u16, body: &str) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no HTTP header end")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200") {
        return Err(format!(
            "HTTP error: {}",
            head.lines().next().unwrap_or_default()
        ));
    }
    let body = &response[split + 4..];
    if head.contains("transfer-encoding: chunked") {
        return dechunk(body);
    }
    Ok(body.to_vec())
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("bad chunk size: {e}"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or("truncated chunk")?;
    }
}

fn hex_string(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s.trim_start_matches("0x"))
        .ok()?
        .try_into()
        .ok()
}

fn parse_quantity(value: &Value) -> Result<u64, EvmError> {
    value
        .as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| EvmError::Node(format!("expected a hex quantity, got {value}")))
}

fn parse_log(log: &Value) -> Result<EventLog, EvmError> {
    let bad = || EvmError::Node(format!("malformed log {log}"));
    let address = log["address"]
        .as_str()
        .and_then(parse_hex::<20>)
        .ok_or_else(bad)?;
    let topics = log["topics"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|t| t.as_str().and_then(parse_hex::<32>).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    let data = log["data"]
        .as_str()
        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
        .ok_or_else(bad)?;
    Ok(EventLog {
        address,
        topics,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_decoded() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert!(dechunk(b"5\r\nab").is_err());
        assert!(dechunk(b"zz\r\n").is_err());
    }

    #[test]
    fn quantities_and_addresses_parse() {
        assert_eq!(parse_quantity(&json!("0x1f")).unwrap(), 31);
        assert!(parse_quantity(&json!(31)).is_err());
        assert_eq!(parse_hex::<2>("0x0102"), Some([1, 2]));
        assert_eq!(parse_hex::<2>("0x01"), None);
    }
}
