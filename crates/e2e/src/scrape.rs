//! Reading a service's `/metrics` page (the Prometheus text format) for checks: each sample's
//! value summed over its labels, by metric name.

use std::collections::BTreeMap;

/// Metric name to the sum of its samples over all label sets. A histogram shows as its
/// `_bucket`, `_sum` and `_count` series.
pub type Scrape = BTreeMap<String, f64>;

/// Parses the text format; comment lines and unparsable values are skipped.
pub fn parse(page: &str) -> Scrape {
    let mut sums = Scrape::new();
    for line in page.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..name_end];
        let Some(value) = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) else {
            continue;
        };
        *sums.entry(name.to_owned()).or_default() += value;
    }
    sums
}

/// GETs `{base}/metrics` and parses it.
pub async fn scrape(client: &reqwest::Client, base: &str) -> Result<Scrape, String> {
    let reply = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !reply.status().is_success() {
        return Err(format!("{base}/metrics answered {}", reply.status()));
    }
    let page = reply.text().await.map_err(|e| e.to_string())?;
    Ok(parse(&page))
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_are_summed_over_labels() {
        let page = "# HELP a_total x\n# TYPE a_total counter\n\
                    a_total{route=\"/x\",status=\"200\"} 2\na_total{route=\"/y\"} 3\n\
                    b_seconds_count 7\nb_seconds_bucket{le=\"+Inf\"} 7\ng 1.5\n";
        let s = super::parse(page);
        assert_eq!(s["a_total"], 5.0);
        assert_eq!(s["b_seconds_count"], 7.0);
        assert_eq!(s["g"], 1.5);
        assert!(!s.contains_key("# HELP"));
    }
}
