package local.amazonpayengine.conformance;

import com.amazon.pay.api.AmazonPayResponse;
import com.amazon.pay.api.PayConfiguration;
import com.amazon.pay.api.RequestSigner;
import com.amazon.pay.api.ServiceConstants;
import com.amazon.pay.api.Util;
import com.amazon.pay.api.WebstoreClient;
import com.amazon.pay.api.exceptions.AmazonPayClientException;
import com.amazon.pay.api.types.Environment;
import com.amazon.pay.api.types.Region;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * Drives the Amazon Pay simulator with Amazon's Java SDK, unmodified, through one scripted lifecycle and prints one
 * JSON line per case: {"case", "status", "body", "path", "signedHost"}. It asserts nothing itself:
 * test/conformance/java-sdk.test.ts judges every line.
 *
 * <p>Usage: {@code java -Djavax.net.ssl.trustStore=<simulator CA> ... SimulatorConformance <host:port> <publicKeyId>
 * <privateKeyPemFile> <storeId>}. The JVM trusts the simulator's self-signed certificate through the standard
 * {@code javax.net.ssl.trustStore} properties, which the SDK's Apache HttpClient honours.
 */
public final class SimulatorConformance {

  /**
   * The SDK builds {@code https://<overrideServiceURL>/v2/...} when this protected field of PayConfiguration is
   * set, and exposes no setter for it; a subclass is the plain Java way to set it (no SDK code changes).
   */
  static final class SimulatorConfiguration extends PayConfiguration {
    SimulatorConfiguration(String hostPort) {
      this.overrideServiceURL = hostPort;
    }
  }

  private final String address;
  private final String publicKeyId;
  private final String storeId;
  private final PayConfiguration config;
  private final WebstoreClient client;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private SimulatorConformance(String address, String publicKeyId, String privateKeyPem, String storeId) throws AmazonPayClientException {
    this.address = address;
    this.publicKeyId = publicKeyId;
    this.storeId = storeId;
    this.config = new SimulatorConfiguration(address)
        .setRegion(Region.JP)
        .setEnvironment(Environment.SANDBOX)
        .setPublicKeyId(publicKeyId)
        .setPrivateKey(privateKeyPem.toCharArray())
        .setAlgorithm("AMZN-PAY-RSASSA-PSS-V2");
    this.client = new WebstoreClient(config);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: SimulatorConformance <host:port> <publicKeyId> <privateKeyPemFile> <storeId>");
      System.exit(2);
    }
    String pem = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8);
    new SimulatorConformance(args[0], args[1], pem, args[3]).run();
  }

  // ------------------------------------------------------------------ output

  private static void emit(JSONObject line) {
    System.out.println(line.toString());
    System.out.flush();
  }

  /** Records an SDK call as a case and returns its response body (never null). */
  private JSONObject record(String name, AmazonPayResponse r) {
    JSONObject body = r.getResponse() == null ? new JSONObject() : r.getResponse();
    Map<String, String> sent = r.getHeaders();
    emit(new JSONObject()
        .put("case", name)
        .put("status", r.getStatus())
        .put("body", body)
        .put("method", r.getMethod())
        .put("path", r.getUrl() == null ? JSONObject.NULL : r.getUrl().getRawPath())
        .put("signedHost", sent == null || sent.get("x-amz-pay-host") == null ? JSONObject.NULL : sent.get("x-amz-pay-host")));
    return body;
  }

  private static void emitRaw(String name, int status, String text) {
    Object body;
    try {
      body = text == null || text.isEmpty() ? new JSONObject() : new JSONObject(text);
    } catch (RuntimeException notJson) {
      body = text;
    }
    emit(new JSONObject().put("case", name).put("status", status).put("body", body));
  }

  // ------------------------------------------------------------------ helpers

  private static JSONObject yen(long amount) {
    return new JSONObject().put("amount", String.valueOf(amount)).put("currencyCode", "JPY");
  }

  private static Map<String, String> key() {
    Map<String, String> h = new HashMap<>();
    h.put("x-amz-pay-idempotency-key", UUID.randomUUID().toString().replace("-", ""));
    return h;
  }

  private static Map<String, String> key(String code) {
    Map<String, String> h = key();
    h.put("x-amz-pay-simulation-code", code);
    return h;
  }

  /** A /__sim control call (the buyer's side, the clock): plain HTTPS with the same JVM trust store. */
  private JSONObject control(String method, String path, JSONObject body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("https://" + address + path))
        .timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.toString()))
        .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " -> " + res.statusCode() + " " + res.body());
    return new JSONObject(res.body());
  }

  private JSONObject sessionPayload(String reviewUrl) {
    return new JSONObject()
        .put("webCheckoutDetails", new JSONObject().put("checkoutReviewReturnUrl", reviewUrl).put("checkoutCancelUrl", "https://shop.example/cancel"))
        .put("storeId", storeId)
        .put("scopes", new JSONArray().put("name").put("email").put("shippingAddress").put("billingAddress"));
  }

  private JSONObject detailsPayload(String intent, long amount) {
    return new JSONObject()
        .put("webCheckoutDetails", new JSONObject().put("checkoutResultReturnUrl", "https://shop.example/result"))
        .put("paymentDetails", new JSONObject().put("paymentIntent", intent).put("chargeAmount", yen(amount)).put("canHandlePendingAuthorization", false));
  }

  private static String must(JSONObject body, String field) {
    if (!body.has(field) || body.isNull(field)) throw new IllegalStateException("no " + field + " in " + body);
    return body.getString(field);
  }

  /** A whole checkout (button, sign-in, shop update, approval, complete) without recording its steps. */
  private JSONObject checkout(String intent, long amount) throws Exception {
    String payloadJSON = sessionPayload("https://shop.example/review").toString();
    String signature = client.generateButtonSignature(payloadJSON);
    JSONObject created = control("POST", "/__sim/buyer/checkout",
        new JSONObject().put("payloadJSON", payloadJSON).put("signature", signature).put("publicKeyId", publicKeyId));
    String id = must(created, "checkoutSessionId");
    control("POST", "/__sim/buyer/checkout-sessions/" + id + "/approve", null);
    client.updateCheckoutSession(id, detailsPayload(intent, amount));
    control("POST", "/__sim/buyer/checkout-sessions/" + id + "/approve", null);
    AmazonPayResponse done = client.completeCheckoutSession(id, new JSONObject().put("chargeAmount", yen(amount)));
    if (done.getStatus() != 200) throw new IllegalStateException("checkout failed: " + done.getRawResponse());
    return done.getResponse();
  }

  private void advance(long ms) throws Exception {
    control("POST", "/__sim/clock/advance", new JSONObject().put("ms", ms));
  }

  // ------------------------------------------------------------------ the script

  private void run() throws Exception {
    emit(new JSONObject().put("case", "sdk").put("status", 0).put("body", new JSONObject().put("version", ServiceConstants.APPLICATION_LIBRARY_VERSION)));
    sessionLifecycle();
    fullCaptureAndCancel();
    confirmPermission();
    chargeCountLimit();
    unknownIds();
    signatures();
    emit(new JSONObject().put("case", "done").put("status", 0).put("body", new JSONObject()));
  }

  /** Create, get, update, complete a session; the permission; captures; refunds pending then refunded. */
  private void sessionLifecycle() throws Exception {
    JSONObject created = record("session.create", client.createCheckoutSession(sessionPayload("https://shop.example/review"), key()));
    String id = must(created, "checkoutSessionId");
    control("POST", "/__sim/buyer/checkout-sessions/" + id + "/approve", null);
    record("session.get", client.getCheckoutSession(id));
    JSONObject update = detailsPayload("Authorize", 10000).put("merchantMetadata", new JSONObject().put("merchantReferenceId", "java-order-1"));
    record("session.update", client.updateCheckoutSession(id, update));
    control("POST", "/__sim/buyer/checkout-sessions/" + id + "/approve", null);
    JSONObject done = record("session.complete", client.completeCheckoutSession(id, new JSONObject().put("chargeAmount", yen(10000))));
    String pid = must(done, "chargePermissionId");
    String cid = must(done, "chargeId");

    record("permission.get", client.getChargePermission(pid));
    record("permission.update", client.updateChargePermission(pid,
        new JSONObject().put("merchantMetadata", new JSONObject().put("merchantReferenceId", "java-order-1").put("noteToBuyer", "Thank you"))));
    record("charge.get", client.getCharge(cid));
    record("charge.capture-over", client.captureCharge(cid, new JSONObject().put("captureAmount", yen(10001)), key()));
    record("charge.capture-partial", client.captureCharge(cid, new JSONObject().put("captureAmount", yen(6000)).put("softDescriptor", "JAVA SHOP"), key()));
    record("permission.after-partial-capture", client.getChargePermission(pid));

    // Refunds may total the captured 6000 plus min(15 %, 8400 JPY) = 6900.
    JSONObject first = record("refund.create-partial", client.createRefund(new JSONObject().put("chargeId", cid).put("refundAmount", yen(2000)), key()));
    String rid = must(first, "refundId");
    record("refund.get-pending", client.getRefund(rid));
    record("refund.create-repeated", client.createRefund(new JSONObject().put("chargeId", cid).put("refundAmount", yen(3000)), key()));
    record("refund.create-over-cap", client.createRefund(new JSONObject().put("chargeId", cid).put("refundAmount", yen(1901)), key()));
    advance(121_000);
    record("refund.get-refunded", client.getRefund(rid));
    record("charge.after-refunds", client.getCharge(cid));
  }

  private void fullCaptureAndCancel() throws Exception {
    JSONObject full = checkout("Authorize", 3000);
    String cid = must(full, "chargeId");
    record("charge.capture-full", client.captureCharge(cid, new JSONObject().put("captureAmount", yen(3000)), key()));
    record("permission.closed-when-captured", client.getChargePermission(must(full, "chargePermissionId")));

    JSONObject toCancel = checkout("Authorize", 2000);
    String cancelId = must(toCancel, "chargeId");
    record("charge.cancel", client.cancelCharge(cancelId, new JSONObject().put("cancellationReason", "Out of stock")));
    record("charge.capture-canceled", client.captureCharge(cancelId, new JSONObject().put("captureAmount", yen(2000)), key()));
  }

  /** Charges created on a Confirm permission, idempotency, simulation codes, closing the permission. */
  private void confirmPermission() throws Exception {
    String pid = must(checkout("Confirm", 5000), "chargePermissionId");
    Map<String, String> same = key();
    JSONObject payload = new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(1000)).put("captureNow", true).put("softDescriptor", "JAVA");
    JSONObject charge = record("permission.create-charge", client.createCharge(payload, new HashMap<>(same)));
    String cid = must(charge, "chargeId");
    record("idempotency.same-body", client.createCharge(new JSONObject(payload.toString()), new HashMap<>(same)));
    record("idempotency.different-body", client.createCharge(new JSONObject(payload.toString()).put("chargeAmount", yen(1001)), new HashMap<>(same)));

    record("simulation.soft-declined", client.createCharge(new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(500)), key("SoftDeclined")));
    JSONObject auth = client.createCharge(new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(500)), key()).getResponse();
    record("simulation.capture-initiated", client.captureCharge(must(auth, "chargeId"), new JSONObject().put("captureAmount", yen(500)), key("CaptureInitiated")));
    JSONObject declined = client.createRefund(new JSONObject().put("chargeId", cid).put("refundAmount", yen(100)), key("RefundDeclined")).getResponse();
    advance(121_000);
    record("simulation.refund-declined", client.getRefund(must(declined, "refundId")));

    record("permission.close", client.closeChargePermission(pid, new JSONObject().put("closureReason", "Order complete").put("cancelPendingCharges", false)));
    record("permission.charge-after-close", client.createCharge(new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(100)), key()));

    String hard = must(checkout("Confirm", 4000), "chargePermissionId");
    record("simulation.hard-declined", client.createCharge(new JSONObject().put("chargePermissionId", hard).put("chargeAmount", yen(4000)), key("HardDeclined")));
    record("simulation.hard-declined-permission", client.getChargePermission(hard));
  }

  /** Amazon documents up to 25 Create Charge calls on a one-time permission. */
  private void chargeCountLimit() throws Exception {
    String pid = must(checkout("Confirm", 100000), "chargePermissionId");
    int created = 0;
    for (int i = 0; i < 25; i++) {
      AmazonPayResponse r = client.createCharge(new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(100)), key());
      if (r.getStatus() == 201) created++;
    }
    emit(new JSONObject().put("case", "permission.charges-1-to-25").put("status", 0).put("body", new JSONObject().put("created", created)));
    record("permission.charge-26", client.createCharge(new JSONObject().put("chargePermissionId", pid).put("chargeAmount", yen(100)), key()));
  }

  private void unknownIds() throws Exception {
    record("unknown.session", client.getCheckoutSession("00000000-0000-4000-8000-000000000000"));
    record("unknown.permission", client.getChargePermission("S03-0000000-0000000"));
    record("unknown.charge", client.getCharge("S03-0000000-0000000-C000000"));
    record("unknown.refund", client.getRefund("S03-0000000-0000000-R000000"));
  }

  /** Sends headers the SDK's own RequestSigner made, as they are or tampered with, over plain HTTPS. */
  private int sendSigned(String name, String method, URI uri, String signedBody, String sentBody, boolean flipSignature) throws Exception {
    Map<String, String> headers = new RequestSigner(config).signRequest(uri, method, null, signedBody, null);
    if (flipSignature) {
      String auth = headers.get("authorization");
      int at = auth.indexOf("Signature=") + "Signature=".length();
      char c = auth.charAt(at);
      headers.put("authorization", auth.substring(0, at) + (c == 'A' ? 'B' : 'A') + auth.substring(at + 1));
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
    for (Map.Entry<String, String> h : headers.entrySet()) b.header(h.getKey(), h.getValue());
    b.method(method, sentBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(sentBody));
    HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    emitRaw(name, res.statusCode(), res.body());
    return res.statusCode();
  }

  private void signatures() throws Exception {
    URI charge = Util.getServiceURI(config, ServiceConstants.CHARGES + "/S03-0000000-0000000-C000000");
    sendSigned("signature.untampered", "GET", charge, "", null, false);
    sendSigned("signature.tampered", "GET", charge, "", null, true);
    URI sessions = Util.getServiceURI(config, ServiceConstants.CHECKOUT_SESSIONS);
    String body = sessionPayload("https://shop.example/tampered").toString();
    sendSigned("signature.tampered-body", "POST", sessions, body, body.replace("tampered", "tamperex"), false);

    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    PayConfiguration other = new SimulatorConfiguration(address)
        .setRegion(Region.JP).setEnvironment(Environment.SANDBOX).setPublicKeyId(publicKeyId)
        .setPrivateKey(gen.generateKeyPair().getPrivate()).setAlgorithm("AMZN-PAY-RSASSA-PSS-V2");
    record("signature.wrong-key", new WebstoreClient(other).getCharge("S03-0000000-0000000-C000000"));

    PayConfiguration legacy = new SimulatorConfiguration(address)
        .setRegion(Region.JP).setEnvironment(Environment.SANDBOX).setPublicKeyId(publicKeyId).setPrivateKey(config.getPrivateKey());
    record("signature.default-algorithm", new WebstoreClient(legacy).getCharge("S03-0000000-0000000-C000000"));
  }
}
