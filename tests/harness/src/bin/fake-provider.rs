//! Runs the scripted fake provider on its own: `cargo run -p pw-harness --bin fake-provider -- [ADDR]`.
//! Control it with `POST /__control` ({"faults": [...], "replies": [...]}) and read `GET /__requests`.
use pw_harness::fake_provider::FakeProvider;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    if addr == "--help" || addr == "-h" {
        println!(
            "Usage: fake-provider [ADDR]   (default 127.0.0.1:8090)\n\
             A scripted model provider speaking the OpenAI, Anthropic and Gemini wire formats.\n\
             Control it with POST /__control ({{\"faults\": [...], \"replies\": [...]}}); read what it\n\
             was sent with GET /__requests."
        );
        return Ok(());
    }
    let fake = FakeProvider::start_on(&addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr:?} (an address like 127.0.0.1:8090): {e}")
    })?;
    println!("fake provider on http://{}", fake.addr);
    println!("  OpenAI-compatible: {}", fake.openai_url());
    println!("  Anthropic:         {}", fake.anthropic_url());
    println!("  Gemini:            {}", fake.gemini_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
