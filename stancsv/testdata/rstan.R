library(rstan)
code <- "data { int N; int<lower=0,upper=1> y[N]; } parameters { real<lower=0,upper=1> theta; vector[2] z; } model { theta ~ beta(1,1); y ~ bernoulli(theta); z ~ normal(0, 1); }"
fit <- stan(model_code = code, data = list(N = 10, y = c(0,1,0,0,0,0,0,0,0,1)), chains = 2, iter = 400, warmup = 200, seed = 7, sample_file = "/tmp/rstancsv/rstan.csv", refresh = 0)
print(summary(fit)$summary)
