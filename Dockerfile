# The bus as a container image (for docker-compose.yml; the project's own tests run without Docker).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig*.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY bin bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/bin bin
COPY --from=build /app/apps/dashboard/public apps/dashboard/public
COPY package.json ./
COPY routes routes
EXPOSE 8080
USER node
CMD ["node", "dist/apps/bus/src/main.js"]
